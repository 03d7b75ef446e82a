package io.verinfer.node.payment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.devnet.DevnetSupervisor;
import io.verinfer.chain.facade.ModelRegistryFacade;
import io.verinfer.node.NodeServer;
import io.verinfer.node.ledger.Lane;
import io.verinfer.node.ledger.LaneRecord;
import io.verinfer.node.ledger.SqliteVoucherLedger;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.LaneWindow;
import io.verinfer.protocol.LocalKeySigner;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.ModelManifest;
import io.verinfer.runtime.ModelSpec;
import io.verinfer.runtime.onnx.OnnxInferenceEngine;
import io.verinfer.runtime.packs.train.BuildPacks;
import io.verinfer.runtime.store.LocalModelStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Paid calls against a real devnet: the consumer deposits on-chain, pays each call with a voucher
 * in a header, gets a signed receipt, and the node's stored voucher redeems on-chain. Every kind of
 * bad payment is refused with a code, charging and storing nothing.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class PaidCallsIT {
  @TempDir static Path dir;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final TokenAmount PRICE = TokenAmount.of(1_000);
  private static final String BODY =
      "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,8],\"datatype\":\"FP32\",\"data\":[120,22,2,35,3,400,1,0]}]}";

  private static DevnetSupervisor devnet;
  private static VerinferChain consumerChain;
  private static VerinferChain providerChain;
  private static OnnxInferenceEngine engine;
  private static SqliteVoucherLedger ledger;
  private static NodeServer server;
  private static ModelId modelId;
  private static LocalKeySigner consumer;
  private static LocalKeySigner provider;
  private static Eip712Domain domain;
  private static long calls;
  private static TermsGuard terms;

  /** The node's clock, moved by the terms test (the chain's clock stays). */
  private static final MovableClock clock = new MovableClock();

  private static final class MovableClock extends Clock {
    private volatile Duration ahead = Duration.ZERO;

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public java.time.Instant instant() {
      return java.time.Instant.now().plus(ahead);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    devnet = DevnetSupervisor.start(DevnetSupervisor.Options.defaults(), s -> {});
    Path pack = BuildPacks.build("fraud-detect", dir.resolve("packs"));
    ModelManifest manifest = ModelManifest.read(pack);
    LocalModelStore store = new LocalModelStore(dir.resolve("store"));
    Cid cid = store.putFile(manifest.modelFile(pack), n -> {});
    try (VerinferChain author =
        VerinferChain.connect(devnet.deployment(), DevAccounts.account(14))) {
      modelId =
          author
              .models()
              .publish(
                  new ModelRegistryFacade.Publication(
                      cid, "onnx", manifest.schemaHash(), 1_000, 1_000));
    }
    consumerChain = VerinferChain.connect(devnet.deployment(), DevAccounts.account(2));
    providerChain = consumerChain.as(DevAccounts.account(8));
    consumerChain.token().approve(consumerChain.channels().address(), TokenAmount.of(50_000));
    consumerChain.channels().deposit(TokenAmount.of(50_000));
    consumer = LocalKeySigner.of(DevAccounts.account(2).getEcKeyPair());
    provider = LocalKeySigner.of(DevAccounts.account(8).getEcKeyPair());
    domain = consumerChain.channels().domain();

    engine = new OnnxInferenceEngine(store, EngineConfig.defaults());
    engine.deploy(ModelSpec.of(manifest, cid));
    ledger = new SqliteVoucherLedger(dir.resolve("ledger.db"));
    terms =
        new TermsGuard(
            TermsGuard.fromChain(providerChain.models()),
            clock,
            Duration.ofMinutes(10),
            Duration.ZERO);
    terms.accept(modelId);
    VoucherGate gate =
        new VoucherGate(
            provider,
            domain,
            ledger,
            DepositView.cached(providerChain.channels(), Duration.ZERO, Clock.systemUTC()),
            name ->
                name.equals("fraud-detect")
                    ? Optional.of(new VoucherGate.Offer(modelId, PRICE))
                    : Optional.empty(),
            terms);
    server = new NodeServer(engine, store, gate, NodeServer.Options.loopback(), app -> {});
  }

  @AfterAll
  static void stop() {
    server.close();
    engine.close();
    ledger.close();
    consumerChain.close();
    devnet.close();
  }

  private static SignedVoucher next(long addCalls, TokenAmount add) {
    Voucher v =
        new Voucher(
            consumer.address(),
            provider.address(),
            modelId,
            TokenAmount.of(calls * PRICE.baseUnits().longValueExact()).plus(add),
            calls + addCalls);
    return SignedVoucher.sign(v, domain, consumer);
  }

  private static HttpResponse<String> call(String voucherHeader, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v2/models/fraud-detect/infer"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (voucherHeader != null) {
      b.header(PaymentHeaders.VOUCHER, voucherHeader);
    }
    return io.verinfer.node.PinnedHttp.to(server)
        .send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static SignedReceipt paidCall() throws Exception {
    SignedVoucher v = next(1, PRICE);
    HttpResponse<String> response = call(PaymentHeaders.encode(v), BODY);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    calls++;
    SignedReceipt receipt =
        PaymentHeaders.decodeReceipt(
            response.headers().firstValue(PaymentHeaders.RECEIPT).orElseThrow());
    assertThat(receipt.verify(domain)).isTrue();
    assertThat(receipt.receipt().provider()).isEqualTo(provider.address());
    assertThat(receipt.receipt().cumulativeCalls()).isEqualTo(calls);
    JsonNode parameters = JSON.readTree(response.body()).path("parameters");
    assertThat(receipt.receipt().outputHash())
        .isEqualTo(Bytes32.fromHex(parameters.path("output_hash").asText()));
    assertThat(receipt.receipt().inputHash())
        .isEqualTo(Bytes32.fromHex(parameters.path("input_hash").asText()));
    return receipt;
  }

  private static void refused(String what, String header, String body, int status, String code)
      throws Exception {
    Lane lane = new Lane(consumer.address(), provider.address(), modelId);
    LaneRecord before = ledger.lane(lane);
    long runs = engine.stats().sessionRuns();
    HttpResponse<String> response = call(header, body);
    assertThat(response.statusCode()).as(what + ": " + response.body()).isEqualTo(status);
    assertThat(JSON.readTree(response.body()).path("error").path("code").asText())
        .as(what)
        .isEqualTo(code);
    assertThat(response.headers().firstValue(PaymentHeaders.RECEIPT)).as(what).isEmpty();
    assertThat(ledger.lane(lane)).as("%s stored nothing", what).isEqualTo(before);
    if (!code.equals("MALFORMED_JSON")) {
      assertThat(engine.stats().sessionRuns()).as("%s ran the model", what).isEqualTo(runs);
    }
  }

  @Test
  @org.junit.jupiter.api.Order(1)
  void paidCallsGetReceiptsRefusalsChargeNothingAndTheLedgerRedeems() throws Exception {
    paidCall();
    paidCall();

    LocalKeySigner stranger = LocalKeySigner.of(DevAccounts.account(19).getEcKeyPair());
    SignedVoucher good = next(1, PRICE);
    SignedVoucher forged =
        new SignedVoucher(good.voucher(), stranger.sign(good.voucher().digest(domain)));
    Voucher otherProvider =
        new Voucher(
            consumer.address(),
            Address.of(DevAccounts.account(9).getAddress()),
            modelId,
            good.voucher().cumulativeAmount(),
            good.voucher().cumulativeCalls());
    Voucher otherModel =
        new Voucher(
            consumer.address(),
            provider.address(),
            ModelId.of(modelId.value() + 1),
            good.voucher().cumulativeAmount(),
            good.voucher().cumulativeCalls());
    Eip712Domain otherChain = new Eip712Domain("Verinfer", "1", 1, domain.verifyingContract());
    SignedVoucher replayed = ledger.latest(Lane.of(good.voucher())).orElseThrow();

    refused("no voucher", null, BODY, 402, "PAYMENT_REQUIRED");
    refused("malformed voucher", "v1.garbage", BODY, 400, "MALFORMED_VOUCHER");
    refused(
        "forged voucher", PaymentHeaders.encode(forged), BODY, 403, "INVALID_VOUCHER_SIGNATURE");
    refused(
        "other chain",
        PaymentHeaders.encode(SignedVoucher.sign(good.voucher(), otherChain, consumer)),
        BODY,
        403,
        "INVALID_VOUCHER_SIGNATURE");
    refused("replayed voucher", PaymentHeaders.encode(replayed), BODY, 409, "STALE_VOUCHER");
    refused(
        "another provider's lane",
        PaymentHeaders.encode(SignedVoucher.sign(otherProvider, domain, consumer)),
        BODY,
        400,
        "WRONG_LANE");
    refused(
        "another model's lane",
        PaymentHeaders.encode(SignedVoucher.sign(otherModel, domain, consumer)),
        BODY,
        400,
        "WRONG_LANE");
    refused(
        "below the price",
        PaymentHeaders.encode(next(1, TokenAmount.of(999))),
        BODY,
        402,
        "VOUCHER_BELOW_PRICE");
    refused(
        "skips a call without paying for it",
        PaymentHeaders.encode(next(2, PRICE)),
        BODY,
        402,
        "VOUCHER_BELOW_PRICE");
    refused(
        "runs ahead beyond the window",
        PaymentHeaders.encode(next(LaneWindow.SIZE + 1, PRICE.times(LaneWindow.SIZE + 1))),
        BODY,
        400,
        "VOUCHER_SKIPS_CALLS");
    refused(
        "beyond the deposit",
        PaymentHeaders.encode(next(1, TokenAmount.of(60_000))),
        BODY,
        402,
        "INSUFFICIENT_DEPOSIT");
    refused("malformed body", PaymentHeaders.encode(good), "{\"inputs\":", 400, "MALFORMED_JSON");

    SignedReceipt third = paidCall(); // the good voucher still works after every refusal
    assertThat(third.receipt().cumulativeAmount()).isEqualTo(PRICE.times(3));

    // sixteen calls in flight at once, their vouchers arriving in any order: each is answered
    List<SignedVoucher> burst = new ArrayList<>();
    for (int i = 1; i <= 16; i++) {
      burst.add(next(i, PRICE.times(i)));
    }
    Collections.shuffle(burst, new Random(3));
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<HttpResponse<String>>> replies = new ArrayList<>();
      for (SignedVoucher v : burst) {
        replies.add(pool.submit(() -> call(PaymentHeaders.encode(v), BODY)));
      }
      for (Future<HttpResponse<String>> reply : replies) {
        assertThat(reply.get().statusCode()).as(reply.get().body()).isEqualTo(200);
      }
    }
    calls += 16;
    LaneRecord afterBurst = ledger.lane(Lane.of(good.voucher()));
    assertThat(afterBurst.calls()).isEqualTo(19);
    assertThat(afterBurst.gaps()).isEmpty();
    assertThat(afterBurst.amount()).isEqualTo(PRICE.times(19));

    SignedVoucher stored = ledger.latest(Lane.of(good.voucher())).orElseThrow();
    TokenAmount depositBefore = providerChain.channels().depositOf(consumer.address());
    providerChain.channels().redeem(stored);
    assertThat(providerChain.channels().depositOf(consumer.address()))
        .isEqualTo(depositBefore.minus(PRICE.times(19)));
    assertThat(providerChain.counter().usageOf(consumer.address()).calls()).isEqualTo(19);
  }

  @Test
  @org.junit.jupiter.api.Order(2) // after the first: that one counts its lane's calls from 0
  void aModelWhoseRoyaltyRisesIsRefusedFromTenMinutesBeforeTheChange() throws Exception {
    paidCall();
    var before = providerChain.models().model(modelId);
    try (VerinferChain author =
        VerinferChain.connect(devnet.deployment(), DevAccounts.account(14))) {
      author
          .models()
          .update(modelId, before.schemaHash(), before.royaltyBps() + 400, before.tolerancePpm());
    }
    var changesAt = providerChain.models().scheduledTerms(modelId).orElseThrow().changesAt();
    paidCall(); // the change is a notice away: the node still serves, its settler redeems
    // the node's clock 5 minutes before the change: within the 10-minute margin
    clock.ahead = Duration.between(java.time.Instant.now(), changesAt.minus(Duration.ofMinutes(5)));
    try {
      refused(
          "a voucher for a model whose royalty is about to rise",
          PaymentHeaders.encode(next(1, PRICE)),
          BODY,
          409,
          "MODEL_TERMS_CHANGED");
      HttpResponse<String> response = call(PaymentHeaders.encode(next(1, PRICE)), BODY);
      assertThat(JSON.readTree(response.body()).path("error").path("message").asText())
          .contains("royalty " + (before.royaltyBps() + 400))
          .contains("accepted royalty " + before.royaltyBps());
    } finally {
      clock.ahead = Duration.ZERO;
    }
    paidCall(); // the node's clock back before the margin: served again
  }
}
