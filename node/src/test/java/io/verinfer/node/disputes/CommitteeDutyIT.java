package io.verinfer.node.disputes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.facade.DisputeManagerFacade;
import io.verinfer.chain.facade.DisputeManagerFacade.Phase;
import io.verinfer.chain.facade.DisputeManagerFacade.Verdict;
import io.verinfer.chain.facade.ModelRegistryFacade;
import io.verinfer.chain.facade.ParamsFacade.DisputeParams;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.CommitteeForecast;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.node.NodeServer;
import io.verinfer.node.PaidSettings;
import io.verinfer.node.ProviderNode;
import io.verinfer.node.api.V2Codec;
import io.verinfer.node.faults.FaultInjection;
import io.verinfer.node.metrics.PrometheusText;
import io.verinfer.node.payment.Settler;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.LocalKeySigner;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.ModelManifest;
import io.verinfer.runtime.packs.train.BuildPacks;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Four real paid provider nodes serving {@code fraud-detect} on the shared devnet, one of them
 * corrupting every answer (fault injection). A consumer disputes a receipt it got from a real paid
 * call; the committee nodes' duty re-executes, commits, reveals, resolves and claims with nobody
 * driving it. The committee is the three providers other than the accused, one seat each (committee
 * size 3; seats are drawn with replacement, so each dispute is opened until its forecast draw gives
 * three distinct members: {@link CommitteeForecast}).
 *
 * <p>The tests share the nodes and run in order: a false challenge first (all four providers at
 * full stake, so its committee has three members), then the cheater's slashing, then a member
 * stopped between its commit and its reveal.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CommitteeDutyIT {
  @TempDir static Path dir;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final TokenAmount PRICE = TokenAmount.of(2_000);
  private static final int CHEATER = Actors.PROVIDER_0;
  private static final int HONEST = Actors.PROVIDER_0 + 1;
  private static final int MEMBER_A = Actors.PROVIDER_0 + 2;
  private static final int MEMBER_B = Actors.PROVIDER_0 + 3;
  private static final List<Integer> PROVIDERS = List.of(CHEATER, HONEST, MEMBER_A, MEMBER_B);
  private static final BigInteger BPS = BigInteger.valueOf(10_000);
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String INFER_BODY =
      "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,8],\"datatype\":\"FP32\","
          + "\"data\":[120,22,2,35,3,400,1,0]}]}";
  private static final byte[] INPUT =
      CanonicalTensors.encode(
          List.of(
              Tensor.ofFloats(
                  "features", new long[] {1, 8}, new float[] {120, 22, 2, 35, 3, 400, 1, 0})));

  private static String snapshot;
  private static Actors actors;
  private static VerinferChain consumer;
  private static LocalKeySigner consumerKey;
  private static Eip712Domain domain;
  private static Path pack;
  private static ModelId model;
  private static DisputeParams params;
  private static final Map<Integer, ProviderNode> nodes = new HashMap<>();
  private static final Map<Integer, Long> calls = new HashMap<>();

  @BeforeAll
  static void startNodes() throws Exception {
    snapshot = SharedDevnet.snapshot();
    actors = new Actors();
    VerinferChain admin = actors.admin();
    io.verinfer.chain.testing.Enact.set("committeeSize=3", "commitWindow=60s", "revealWindow=60s");
    params = admin.params().disputeParams();

    pack = BuildPacks.build("fraud-detect", dir.resolve("packs"));
    ModelManifest manifest = ModelManifest.read(pack);
    model =
        actors
            .author(0)
            .models()
            .publish(
                new ModelRegistryFacade.Publication(
                    Cid.of(Files.readAllBytes(manifest.modelFile(pack))),
                    "onnx",
                    manifest.schemaHash(),
                    50, // 0.5 % royalty
                    manifest.tolerancePpm()));
    for (int account : PROVIDERS) {
      start(account);
    }
    // committees come from the stake snapshot at the end of the previous epoch
    SharedDevnet.mine(admin.providers().epochBlocks());
    consumer = actors.consumer(0);
    consumerKey = Actors.signer(Actors.CONSUMER_0);
    domain = consumer.channels().domain();
    Actors.deposit(consumer, TokenAmount.of(1_000_000));
    consumer.token().approve(consumer.disputes().address(), TokenAmount.ofTokens("100000"));
  }

  @AfterAll
  static void stopNodes() {
    nodes.values().forEach(ProviderNode::close);
    if (actors != null) {
      actors.close();
    }
    if (snapshot != null) {
      SharedDevnet.revert(snapshot);
    }
  }

  private static Path ledger(int account) {
    return dir.resolve("node-" + account).resolve("ledger.db");
  }

  /** Starts (or restarts, on the same state) the paid node of a provider account. */
  private static void start(int account) {
    PaidSettings paid =
        new PaidSettings(
                SharedDevnet.get().deployment(),
                DevAccounts.account(account),
                ledger(account),
                Map.of(),
                PRICE,
                new Settler.Policy(
                    TokenAmount.ofTokens("1"), Duration.ofHours(1), 100, Duration.ofHours(1)))
            .withCommitteeDuty(
                DutySettings.besideLedger(ledger(account))
                    .withPollInterval(Duration.ofMillis(200)));
    ProviderNode node =
        ProviderNode.start(
            new ProviderNode.Config(
                    dir.resolve("node-" + account).resolve("store"),
                    List.of(pack),
                    NodeServer.Options.loopback(),
                    EngineConfig.defaults(),
                    false,
                    paid)
                .withFaults(new FaultInjection(account == CHEATER ? 1.0 : 0.0, 7)),
            s -> {});
    nodes.put(account, node);
  }

  private static void stop(int account) {
    nodes.remove(account).close();
  }

  private static Address address(int account) {
    return Actors.address(account);
  }

  private static DisputeManagerFacade disputes() {
    return actors.admin().disputes();
  }

  /** A paid call to a provider: the input's canonical bytes, the output's, and the receipt. */
  private record Call(byte[] output, SignedReceipt receipt) {}

  private static Call paidCall(int provider) throws Exception {
    long n = calls.merge(provider, 1L, Long::sum);
    Voucher v = new Voucher(consumerKey.address(), address(provider), model, PRICE.times(n), n);
    HttpResponse<String> response =
        io.verinfer.node.PinnedHttp.to(nodes.get(provider))
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            nodes.get(provider).baseUrl()
                                + "/v2/models/"
                                + model.value()
                                + "/infer"))
                    .header("Content-Type", "application/json")
                    .header(
                        PaymentHeaders.VOUCHER,
                        PaymentHeaders.encode(SignedVoucher.sign(v, domain, consumerKey)))
                    .POST(HttpRequest.BodyPublishers.ofString(INFER_BODY))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    SignedReceipt receipt =
        PaymentHeaders.decodeReceipt(
            response.headers().firstValue(PaymentHeaders.RECEIPT).orElseThrow());
    JsonNode body = JSON.readTree(response.body());
    List<Tensor> outputs =
        V2Codec.inputs(JSON.createObjectNode().set("inputs", body.get("outputs")), 1_000);
    byte[] output = CanonicalTensors.encode(outputs);
    assertThat(receipt.receipt().inputHash())
        .isEqualTo(io.verinfer.protocol.Bytes32.keccak256(INPUT));
    assertThat(receipt.receipt().outputHash())
        .isEqualTo(io.verinfer.protocol.Bytes32.keccak256(output));
    return new Call(output, receipt);
  }

  /** Opens a dispute over the call's receipt as the consumer and draws its committee. */
  private static long dispute(Call call) {
    return CommitteeForecast.openAndDrawWhen(
        consumer,
        () -> consumer.disputes().open(List.of(call.receipt()), INPUT, List.of(call.output())),
        seats -> seats.size() == 3);
  }

  private static void await(String what, BooleanSupplier done) throws InterruptedException {
    Instant deadline = Instant.now().plus(WAIT);
    while (!done.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("not within " + WAIT + ": " + what);
      }
      Thread.sleep(100);
    }
  }

  private static void awaitResolved(long id) throws InterruptedException {
    await("dispute " + id + " resolved", () -> disputes().dispute(id).phase() == Phase.RESOLVED);
  }

  private static double metric(int account, String series) {
    return PrometheusText.parse(nodes.get(account).metrics().scrape()).getOrDefault(series, 0.0);
  }

  private static TokenAmount stake(int account) {
    return actors.admin().providers().stakeOf(address(account));
  }

  private static TokenAmount balance(int account) {
    return actors.admin().token().balanceOf(address(account));
  }

  @Test
  @Order(1)
  void aFalseChallengeIsClearedByTheCommitteeAndTheBondIsForfeited() throws Exception {
    Call honest = paidCall(HONEST);
    TokenAmount honestStake = stake(HONEST);
    Address challenger = consumer.account();
    TokenAmount challengerBefore = consumer.token().balanceOf(challenger);
    List<Integer> members = List.of(CHEATER, MEMBER_A, MEMBER_B);
    Map<Integer, TokenAmount> before = new HashMap<>();
    members.forEach(m -> before.put(m, balance(m)));

    long id = dispute(honest);
    assertThat(disputes().dispute(id).committee())
        .containsExactlyInAnyOrderElementsOf(
            members.stream().map(CommitteeDutyIT::address).toList());
    awaitResolved(id);

    var resolved = disputes().dispute(id);
    assertThat(resolved.verdicts()).containsExactly(Verdict.CLEARED);
    for (int m : members) {
      assertThat(disputes().ballot(id, address(m)))
          .isEqualTo(new DisputeManagerFacade.Ballot(true, true, 0));
    }
    assertThat(stake(HONEST)).isEqualTo(honestStake);
    assertThat(disputes().owed(challenger)).isEqualTo(TokenAmount.ZERO);
    assertThat(consumer.token().balanceOf(challenger))
        .isEqualTo(challengerBefore.minus(params.disputeBond()));
    // the members who voted innocent share the voters' part of the bond, and claim it themselves
    BigInteger each =
        params
            .disputeBond()
            .baseUnits()
            .multiply(BigInteger.valueOf(params.voterRewardBps()))
            .divide(BPS)
            .divide(BigInteger.valueOf(members.size()));
    for (int m : members) {
      await(
          "member " + m + " claimed its reward",
          () -> disputes().owed(address(m)).equals(TokenAmount.ZERO));
      assertThat(balance(m)).isEqualTo(before.get(m).plus(TokenAmount.of(each)));
    }
    for (int m : members) {
      assertThat(metric(m, "verinfer_disputes_seen_total")).isEqualTo(1.0);
      assertThat(metric(m, "verinfer_dispute_commits_total")).isEqualTo(1.0);
      assertThat(metric(m, "verinfer_dispute_reveals_total")).isEqualTo(1.0);
      assertThat(
              metric(m, PrometheusText.series("verinfer_dispute_votes_total", "vote", "innocent")))
          .isEqualTo(1.0);
      assertThat(metric(m, PrometheusText.series("verinfer_dispute_votes_total", "vote", "guilty")))
          .isEqualTo(0.0);
    }
    assertThat(metric(HONEST, "verinfer_disputes_seen_total")).isEqualTo(0.0);
  }

  @Test
  @Order(2)
  void aProviderThatSignedACorruptedOutputIsFoundGuiltyAndSlashed() throws Exception {
    Call forged = paidCall(CHEATER);
    TokenAmount cheaterStake = stake(CHEATER);
    List<Integer> members = List.of(HONEST, MEMBER_A, MEMBER_B);

    long id = dispute(forged);
    assertThat(disputes().dispute(id).committee())
        .containsExactlyInAnyOrderElementsOf(
            members.stream().map(CommitteeDutyIT::address).toList());
    awaitResolved(id);

    assertThat(disputes().dispute(id).verdicts()).containsExactly(Verdict.GUILTY);
    for (int m : members) {
      assertThat(disputes().ballot(id, address(m)))
          .isEqualTo(new DisputeManagerFacade.Ballot(true, true, 1));
    }
    BigInteger slashed =
        cheaterStake.baseUnits().multiply(BigInteger.valueOf(params.slashBps())).divide(BPS);
    assertThat(slashed).isPositive();
    assertThat(stake(CHEATER)).isEqualTo(cheaterStake.minus(TokenAmount.of(slashed)));
    BigInteger toChallenger =
        slashed.multiply(BigInteger.valueOf(params.challengerRewardBps())).divide(BPS);
    assertThat(disputes().owed(consumer.account()))
        .isEqualTo(params.disputeBond().plus(TokenAmount.of(toChallenger)));
    for (int m : members) {
      await(
          "member " + m + " claimed its reward",
          () -> disputes().owed(address(m)).equals(TokenAmount.ZERO));
      assertThat(metric(m, PrometheusText.series("verinfer_dispute_votes_total", "vote", "guilty")))
          .isEqualTo(1.0);
    }
  }

  @Test
  @Order(3)
  void aMemberStoppedBetweenItsCommitAndItsRevealRevealsAfterARestart() throws Exception {
    Call forged = paidCall(CHEATER);
    // one member is down for the whole dispute: reveals open only when the commit window closes
    stop(MEMBER_B);
    TokenAmount restartedStake = stake(MEMBER_A);
    TokenAmount silentStake = stake(MEMBER_B);

    long id = dispute(forged);
    assertThat(disputes().dispute(id).committee())
        .containsExactlyInAnyOrder(address(HONEST), address(MEMBER_A), address(MEMBER_B));
    await("member A committed", () -> disputes().ballot(id, address(MEMBER_A)).committed());
    stop(MEMBER_A);
    await("the honest member committed", () -> disputes().ballot(id, address(HONEST)).committed());

    // what the stopped node kept: its vote and salt, durably, until it reveals
    Path state = DutySettings.besideLedger(ledger(MEMBER_A)).stateFile();
    try (SqliteDutyStore store = new SqliteDutyStore(state)) {
      Duty duty = store.get(id).orElseThrow();
      assertThat(duty.state()).isEqualTo(Duty.State.COMMITTED);
      assertThat(duty.secret()).isNotNull();
    }
    assertThat(disputes().ballot(id, address(MEMBER_A)).revealed()).isFalse();

    SharedDevnet.increaseTime(params.commitWindow().toSeconds() + 1); // reveals open
    await("the honest member revealed", () -> disputes().ballot(id, address(HONEST)).revealed());
    start(MEMBER_A); // same ledger, same duty state
    await(
        "member A revealed after its restart",
        () -> disputes().ballot(id, address(MEMBER_A)).revealed());
    assertThat(disputes().ballot(id, address(MEMBER_A)))
        .isEqualTo(new DisputeManagerFacade.Ballot(true, true, 1));
    // the duty counts the reveal once its transaction's receipt is back, a moment after the chain
    await(
        "member A counted its reveal",
        () -> metric(MEMBER_A, "verinfer_dispute_reveals_total") == 1.0);
    assertThat(metric(MEMBER_A, "verinfer_dispute_commits_total"))
        .as("the restarted node does not commit again")
        .isEqualTo(0.0);

    SharedDevnet.increaseTime(params.revealWindow().toSeconds() + 1); // resolution is due
    awaitResolved(id);
    assertThat(disputes().dispute(id).verdicts()).containsExactly(Verdict.GUILTY);
    assertThat(stake(MEMBER_A)).as("no non-reveal penalty").isEqualTo(restartedStake);
    assertThat(stake(MEMBER_B)).isEqualTo(silentStake.minus(params.nonRevealPenalty()));
  }

  @Test
  @Order(4)
  void aMemberThatDoesNotServeTheModelAbstainsAndSaysSo() throws Exception {
    // registered for a model none of the nodes has a pack for (as after dropping a pack)
    ModelId other = Actors.publish(actors.author(0), "not-served", 1_000);
    for (int account : List.of(CHEATER, HONEST, MEMBER_A, MEMBER_B)) {
      actors.account(account).providers().setModel(other, PRICE);
    }
    // member B's penalty in the previous test left it below the minimum stake: top it up, so the
    // model has the three candidates a committee needs
    VerinferChain b = actors.account(MEMBER_B);
    TokenAmount topUp = actors.admin().params().minProviderStake();
    b.token().approve(b.providers().address(), topUp);
    b.providers().stake(topUp);
    SharedDevnet.mine(actors.admin().providers().epochBlocks());
    byte[] output = CanonicalTensors.encode(List.of());
    SignedReceipt receipt =
        SignedReceipt.sign(
            new io.verinfer.protocol.Receipt(
                consumer.account(),
                address(CHEATER),
                other,
                io.verinfer.protocol.Bytes32.keccak256(INPUT),
                io.verinfer.protocol.Bytes32.keccak256(output),
                PRICE,
                1),
            domain,
            Actors.signer(CHEATER));
    long id =
        CommitteeForecast.openAndDrawWhen(
            consumer,
            () -> consumer.disputes().open(List.of(receipt), INPUT, List.of(output)),
            seats -> seats.size() == 3);
    // member B's node has been stopped since the previous test
    assertThat(disputes().dispute(id).committee())
        .containsExactlyInAnyOrder(address(HONEST), address(MEMBER_A), address(MEMBER_B));

    for (int m : List.of(HONEST, MEMBER_A)) {
      SqliteDutyStore store = nodes.get(m).committeeDuty().orElseThrow().store();
      await(
          "member " + m + " gave up on dispute " + id,
          () -> store.get(id).map(d -> d.state() == Duty.State.ABSTAINED).orElse(false));
      assertThat(store.get(id).orElseThrow().note())
          .contains("does not serve model " + other.value());
      assertThat(metric(m, "verinfer_dispute_abstentions_total")).isEqualTo(1.0);
      assertThat(disputes().ballot(id, address(m)).committed()).isFalse();
    }
  }

  @Test
  @Order(5)
  void aDutyForADisputeTheChainDoesNotKnowIsDropped() throws Exception {
    // e.g. a state file kept across a devnet reset
    SqliteDutyStore store = nodes.get(HONEST).committeeDuty().orElseThrow().store();
    long unknown = disputes().disputeCount() + 100;
    assertThat(store.add(unknown, 1)).isTrue();
    await(
        "the unknown dispute's duty closed",
        () -> store.get(unknown).map(d -> d.state() == Duty.State.CLOSED).orElse(false));
    assertThat(store.get(unknown).orElseThrow().note()).contains("does not exist");
  }
}
