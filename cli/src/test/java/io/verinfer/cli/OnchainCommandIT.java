package io.verinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.devnet.DevnetSupervisor;
import io.verinfer.chain.facade.CoordinatorHistory;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Proposed;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Ticket;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.http.HttpService;
import picocli.CommandLine;

/**
 * {@code verinfer onchain request|status} against a real devnet: a model offered by two staked
 * providers (dev accounts 8 and 9, no node running), requested by EOAs through the command; the
 * test answers as the assigned provider with the provider's well-known devnet key.
 */
class OnchainCommandIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int AUTHOR = 14;
  private static final int[] PROVIDERS = {
    8, 9, 10, 11
  }; // optimistic requests need more than 3 eligible
  private static final String INPUT =
      "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,4],\"datatype\":\"FP32\","
          + "\"data\":[1,2,3,4]}]}";
  private static final Pattern REQUEST_ID = Pattern.compile("requested on-chain inference (\\d+)");

  @TempDir static Path dir;
  private static DevnetSupervisor devnet;
  private static Path deployment;
  private static ModelId model;
  private static VerinferChain admin;
  private static HttpService rpc;

  @BeforeAll
  static void start() {
    deployment = dir.resolve("deployment.json");
    devnet =
        DevnetSupervisor.start(
            DevnetSupervisor.Options.defaults().withDeploymentFile(deployment), s -> {});
    admin = VerinferChain.connect(devnet.deployment(), DevAccounts.account(0));
    rpc = new HttpService(devnet.deployment().rpcUrl().toString());
    byte[] blob = "onchain command model".getBytes(StandardCharsets.UTF_8);
    model =
        admin
            .as(DevAccounts.account(AUTHOR))
            .models()
            .publishRaw(
                Cid.of(blob).bytes(),
                "onnx",
                Bytes32.keccak256(blob),
                1_000, // 10 % royalty
                1_000);
    for (int i = 0; i < PROVIDERS.length; i++) {
      VerinferChain p = admin.as(DevAccounts.account(PROVIDERS[i]));
      TokenAmount stake = TokenAmount.ofTokens("2000");
      p.token().approve(p.providers().address(), stake);
      p.providers().stake(stake);
      p.providers().register("https://p" + i + ".onchain.test", Bytes32.ZERO);
      p.providers().setModel(model, TokenAmount.of(10_000L + 2_000L * i));
    }
  }

  @AfterAll
  static void stop() {
    try {
      admin.close();
      rpc.close();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } finally {
      devnet.close();
    }
  }

  record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    CommandLine cli = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  /** Runs {@code onchain request} as dev account {@code requester}, adding the chain options. */
  private static Run request(int requester, String... more) {
    return onchain(List.of("request", "--dev-account", Integer.toString(requester)), more);
  }

  private static Run status(long id, String... more) {
    return onchain(List.of("status", Long.toString(id)), more);
  }

  /** Runs {@code onchain <action> ID} as dev account {@code account}. */
  private static Run action(String action, long id, int account, String... more) {
    return onchain(
        List.of(action, Long.toString(id), "--dev-account", Integer.toString(account)), more);
  }

  /**
   * {@code verinfer onchain} with {@code head}, this devnet's deployment file, then {@code more}.
   */
  private static Run onchain(List<String> head, String... more) {
    List<String> args = new java.util.ArrayList<>();
    args.add("onchain");
    args.addAll(head);
    args.addAll(List.of("--deployment", deployment.toString()));
    args.addAll(List.of(more));
    return run(args.toArray(String[]::new));
  }

  private static long requestId(Run run) {
    Matcher m = REQUEST_ID.matcher(run.out());
    assertThat(m.find()).as(run.out() + run.err()).isTrue();
    return Long.parseLong(m.group(1));
  }

  private static CoordinatorHistory history() {
    return new CoordinatorHistory(admin.web3j(), admin.coordinator().address());
  }

  private static CoordinatorHistory.Request find(long id) {
    CoordinatorHistory h = history();
    return h.find(id, 0, h.latestBlock()).orElseThrow();
  }

  /** The chain view of the provider {@code ticket} assigned (its devnet key). */
  private static VerinferChain providerOf(Ticket ticket) {
    for (int p : PROVIDERS) {
      if (Address.of(DevAccounts.account(p).getAddress()).equals(ticket.provider())) {
        return admin.as(DevAccounts.account(p));
      }
    }
    throw new AssertionError("assigned to an unknown provider " + ticket.provider());
  }

  private static byte[] scores(float... values) {
    return CanonicalTensors.encode(
        List.of(Tensor.ofFloats("probabilities", new long[] {1, values.length}, values)));
  }

  private static TokenAmount depositOf(int account) {
    return admin.coordinator().depositOf(Address.of(DevAccounts.account(account).getAddress()));
  }

  private static JsonNode statusJson(long id) throws IOException {
    Run json = status(id, "--json");
    assertThat(json.exit()).as(json.err()).isZero();
    return JSON.readTree(json.out());
  }

  private static void assertOutputs(JsonNode status, float... expected) {
    JsonNode out = status.path("outputs").path(0);
    assertThat(out.path("name").asText()).isEqualTo("probabilities");
    assertThat(out.path("datatype").asText()).isEqualTo("FP32");
    assertThat(out.path("shape").toString()).isEqualTo("[1," + expected.length + "]");
    for (int i = 0; i < expected.length; i++) {
      assertThat(out.path("data").path(i).floatValue()).isEqualTo(expected[i]);
    }
  }

  @Test
  void anEoaRequestIsDeliveredAndItsOutputReadBackFromItsEvent() throws IOException {
    Run requested =
        request(3, "--model", Long.toString(model.value()), "--input", INPUT, "--deposit", "1");
    assertThat(requested.exit()).as(requested.err()).isZero();
    assertThat(requested.out()).contains("deposited 1 VRF").contains("provider   0x");
    long id = requestId(requested);
    Ticket ticket = find(id).requested().ticket();
    assertThat(depositOf(3)).isEqualTo(TokenAmount.ofTokens("1").minus(ticket.fee()));
    assertThat(requested.out()).contains(OnchainReport.vrf(ticket.fee()) + " reserved");

    Run pending = status(id);
    assertThat(pending.out()).contains("request " + id + ": pending").contains("(none yet)");

    providerOf(ticket).coordinator().fulfil(id, ticket, scores(0.25f, 0.75f));

    Run delivered = status(id);
    assertThat(delivered.exit()).as(delivered.err()).isZero();
    assertThat(delivered.out())
        .contains("request " + id + ": delivered (callback ok)")
        .contains("requested")
        .contains("delivered   disputable until")
        .contains("fulfilled   callback ok")
        .contains("\"data\":[0.25,0.75]");
    JsonNode json = statusJson(id);
    assertThat(json.path("state").asText()).isEqualTo("delivered");
    assertThat(json.path("mode").asText()).isEqualTo("none");
    assertThat(json.path("provider").asText()).isEqualTo(ticket.provider().value());
    assertThat(json.path("events").size()).isEqualTo(3); // requested, delivered, fulfilled
    assertOutputs(json, 0.25f, 0.75f);
  }

  @Test
  void anOptimisticAnswerIsProposedThenDeliveredAfterTheWindowAndSettle() throws IOException {
    Path names = dir.resolve("devnet-state.json");
    JSON.writeValue(
        names.toFile(),
        Map.of(
            "chainId", devnet.deployment().chainId(),
            "contracts", devnet.deployment().contracts(),
            "models", Map.of("onchain-demo", model.value())));
    // no deposit yet: the command tops it up to the max fee
    Run requested =
        request(
            4,
            "--model",
            "onchain-demo",
            "--devnet-state",
            names.toString(),
            "--input",
            INPUT,
            "--mode",
            "optimistic",
            "--max-fee",
            "0.00000000000002");
    assertThat(requested.exit()).as(requested.err()).isZero();
    assertThat(requested.out()).contains("topping it up by 0.00000000000002 VRF");
    long id = requestId(requested);
    Ticket ticket = find(id).requested().ticket();

    var tx = providerOf(ticket).coordinator().fulfil(id, ticket, scores(0.5f));
    Proposed proposed = admin.coordinator().proposed(tx).get(0);
    Run shown = status(id);
    assertThat(shown.out())
        .contains("request " + id + ": proposed, window closes at " + proposed.ticket().deadline())
        .contains("(mode optimistic)")
        .contains("\"data\":[0.5]");
    assertThat(statusJson(id).path("state").asText()).isEqualTo("proposed");
    Run early = action("settle", id, 5);
    assertThat(early.exit()).isEqualTo(2);
    assertThat(early.err()).contains("ChallengeWindowOpen");

    long window =
        proposed.ticket().deadline().getEpochSecond()
            - history().latestBlockTime().getEpochSecond();
    rpc("evm_increaseTime", List.of(window + 1));
    rpc("evm_mine", List.of());
    assertThat(status(id).out()).contains("proposed, window closed at");
    Run settled = action("settle", id, 5); // anyone may
    assertThat(settled.exit()).as(settled.err()).isZero();
    assertThat(settled.out()).contains("request " + id + ": delivered (callback ok)");
    Run again = action("settle", id, 5);
    assertThat(again.exit()).isEqualTo(2);
    assertThat(again.err()).contains("RequestNotPending");

    JsonNode json = statusJson(id);
    assertThat(json.path("state").asText()).isEqualTo("delivered");
    assertThat(json.path("events").findValuesAsText("event"))
        .containsExactly("requested", "proposed", "fulfilled");
    assertOutputs(json, 0.5f);
  }

  @Test
  void waitPollsUntilTheProviderAnswers() throws Exception {
    long before = admin.coordinator().requestCount();
    CompletableFuture<Run> waiting =
        CompletableFuture.supplyAsync(
            () ->
                request(
                    6,
                    "--model",
                    Long.toString(model.value()),
                    "--input",
                    INPUT,
                    "--deposit",
                    "1",
                    "--wait",
                    "--timeout",
                    "PT60S"));
    long id = before + 1;
    for (int i = 0; i < 300 && admin.coordinator().requestCount() <= before; i++) {
      Thread.sleep(100);
    }
    assertThat(admin.coordinator().requestCount()).isGreaterThan(before);
    Ticket ticket = find(id).requested().ticket();
    providerOf(ticket).coordinator().fulfil(id, ticket, scores(0.125f));

    Run run = waiting.get(90, TimeUnit.SECONDS);
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(requestId(run)).isEqualTo(id);
    assertThat(run.out()).contains("delivered (callback ok)").contains("\"data\":[0.125]");
    assertThat(run.err()).contains("waiting for " + ticket.provider().value());
  }

  @Test
  void badRequestsExitTwoNamingTheErrorAndLeaveTheDepositAlone() {
    VerinferChain requester = admin.as(DevAccounts.account(7));
    requester.token().approve(requester.coordinator().address(), TokenAmount.ofTokens("1"));
    requester.coordinator().depositFor(requester.account(), TokenAmount.ofTokens("1"));
    TokenAmount deposit = depositOf(7);
    TokenAmount tokens = requester.token().balanceOf(requester.account());
    String id = Long.toString(model.value());

    Run unknown = request(7, "--model", "999", "--input", INPUT, "--deposit", "5");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err()).contains("UnknownOrDeprecatedModel").contains("model 999");

    Run unnamed = request(7, "--model", "no-such-model", "--input", INPUT);
    assertThat(unnamed.exit()).isEqualTo(2);
    assertThat(unnamed.err()).contains("unknown model 'no-such-model'");

    Run cheap =
        request(
            7, "--model", id, "--input", INPUT, "--max-fee", "0.000000000000009", "--deposit", "1");
    assertThat(cheap.exit()).isEqualTo(2);
    assertThat(cheap.err()).contains("NoProviderAtFee").contains("raise --max-fee");

    Run lowGas = request(7, "--model", id, "--input", INPUT, "--callback-gas", "100");
    assertThat(lowGas.exit()).isEqualTo(2);
    assertThat(lowGas.err()).contains("CallbackGasTooLow");

    Run malformed = request(7, "--model", id, "--input", "{\"inputs\":[]}");
    assertThat(malformed.exit()).isEqualTo(2);
    assertThat(malformed.err()).contains("--input");

    assertThat(depositOf(7)).isEqualTo(deposit);
    assertThat(requester.token().balanceOf(requester.account())).isEqualTo(tokens);

    Run missing = status(999_999);
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("no on-chain request 999999");
  }

  @Test
  void anUnansweredRequestIsReassignedThenCancelledAndAProposalChallenged() throws IOException {
    Run requested =
        request(
            6,
            "--model",
            Long.toString(model.value()),
            "--input",
            INPUT,
            "--max-fee",
            "0.00000000000002",
            "--deposit",
            "1");
    assertThat(requested.exit()).as(requested.err()).isZero();
    long id = requestId(requested);
    TokenAmount reserved = find(id).requested().ticket().fee();
    TokenAmount before = depositOf(6).plus(reserved);
    Ticket first = find(id).ticket();
    Run early = action("cancel", id, 6);
    assertThat(early.exit()).isEqualTo(2);
    assertThat(early.err()).contains("NotExpired");
    passDeadline(first);
    Run moved = action("reassign", id, 7); // anyone may
    assertThat(moved.exit()).as(moved.err()).isZero();
    assertThat(moved.out()).contains("request " + id + ": pending");
    Ticket second = find(id).ticket();
    assertThat(second.provider()).isNotEqualTo(first.provider());
    passDeadline(second);
    Run notMine = action("cancel", id, 7);
    assertThat(notMine.exit()).isEqualTo(2);
    assertThat(notMine.err()).contains("NotRequester");
    Run cancelled = action("cancel", id, 6);
    assertThat(cancelled.exit()).as(cancelled.err()).isZero();
    assertThat(cancelled.out()).contains("request " + id + ": cancelled (fee refunded)");
    assertThat(depositOf(6)).isEqualTo(before);

    // an optimistic answer challenged from the command line (the committee drawn later)
    Run optimistic =
        request(
            6,
            "--model",
            Long.toString(model.value()),
            "--input",
            INPUT,
            "--mode",
            "optimistic",
            "--max-fee",
            "0.00000000000002");
    long next = requestId(optimistic);
    Ticket ticket = find(next).ticket();
    Run notYet = action("challenge", next, 7, "--no-draw");
    assertThat(notYet.exit()).isEqualTo(2);
    assertThat(notYet.err()).contains("has no proposed answer");
    providerOf(ticket).coordinator().fulfil(next, ticket, scores(0.9f));
    Run challenged = action("challenge", next, 7, "--no-draw");
    assertThat(challenged.exit()).as(challenged.err()).isZero();
    assertThat(challenged.out()).containsPattern("dispute \\d+ opened over request " + next);
    assertThat(challenged.out()).contains("request " + next + ": challenged, dispute ");
  }

  @Test
  void aDeliveredNoneModeAnswerIsDisputedFromTheCommandLine() {
    Run requested =
        request(
            6,
            "--model",
            Long.toString(model.value()),
            "--input",
            INPUT,
            "--max-fee",
            "0.00000000000002",
            "--deposit",
            "1");
    assertThat(requested.exit()).as(requested.err()).isZero();
    long id = requestId(requested);
    Ticket ticket = find(id).ticket();
    providerOf(ticket).coordinator().fulfil(id, ticket, scores(0.9f));
    Run shown = status(id);
    assertThat(shown.out()).contains("request " + id + ": delivered").contains("disputable until");
    Run disputed = action("challenge", id, 7, "--no-draw");
    assertThat(disputed.exit()).as(disputed.err()).isZero();
    assertThat(disputed.out()).containsPattern("dispute \\d+ opened over request " + id);
    assertThat(disputed.out()).contains("request " + id + ": delivered, disputed: dispute ");
    Run again = action("challenge", id, 7, "--no-draw");
    assertThat(again.exit()).isEqualTo(2);
    assertThat(again.err()).contains("AlreadyChallenged");
  }

  private static void passDeadline(Ticket ticket) {
    long wait = ticket.deadline().getEpochSecond() - history().latestBlockTime().getEpochSecond();
    rpc("evm_increaseTime", List.of(wait + 1));
    rpc("evm_mine", List.of());
  }

  /** A Hardhat RPC method the chain facades do not cover (time travel). */
  private static void rpc(String method, List<?> params) {
    try {
      Response<?> r = new Request<>(method, params, rpc, AnyResponse.class).send();
      assertThat(r.hasError()).as(method).isFalse();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Hardhat's evm_* methods answer strings or booleans. */
  public static final class AnyResponse extends Response<Object> {}
}
