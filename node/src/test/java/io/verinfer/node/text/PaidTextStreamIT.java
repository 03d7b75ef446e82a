package io.verinfer.node.text;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.devnet.DevnetSupervisor;
import io.verinfer.chain.facade.ModelRegistryFacade;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.node.NodeServer;
import io.verinfer.node.PaidSettings;
import io.verinfer.node.ProviderNode;
import io.verinfer.node.faults.FaultInjection;
import io.verinfer.node.faults.OutputCorruptor;
import io.verinfer.node.payment.Settler;
import io.verinfer.node.payment.TextPaymentRules;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.text.TextOutput;
import io.verinfer.protocol.text.TextPrice;
import io.verinfer.protocol.text.TextRequest;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.ModelManifest;
import io.verinfer.runtime.textgen.ChatMessage;
import io.verinfer.runtime.textgen.GenerationRequest;
import io.verinfer.runtime.textgen.SamplingParams;
import io.verinfer.runtime.textgen.TextGenerator;
import io.verinfer.runtime.textgen.TinyTextPacks;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Paid text streams on the real devnet, a real paid node and the real engine with a tiny random
 * pack published on-chain: an honest consumer paying every checkpoint ends with a lane voucher of
 * exactly the stream's cost, checkpoints sign the tokens sent and redeem on-chain; attacks — an
 * unpaid prompt, stopped payments, other lanes, lower, forged and replayed vouchers, non-stream
 * paid requests — are refused or bounded; a corrupting node signs the wrong tokens it sent.
 */
class PaidTextStreamIT {
  static final int W = 8;
  static final int K = 4;
  static final long OUT = 100;
  static final long IN = 50;
  static final int HONEST = 10;
  static final int FAULTY = 11;
  static final String CHAT =
      "{\"model\":\"tiny-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"tell me a story\"}],"
          + "\"temperature\":0,\"seed\":3,\"stream\":true,\"max_tokens\":";

  @TempDir static Path dir;
  static DevnetSupervisor devnet;
  static ProviderNode node;
  static ProviderNode faulty;
  static ModelId modelId;
  static Eip712Domain domain;
  static Address provider;
  static String snapshot;

  @BeforeAll
  static void start() throws Exception {
    devnet = SharedDevnet.get();
    snapshot = SharedDevnet.snapshot();
    Path pack = TinyTextPacks.write(dir.resolve("packs"), 256, 11);
    ModelManifest manifest = ModelManifest.read(pack);
    Cid cid = Cid.of(Files.readAllBytes(manifest.modelFile(pack)));
    try (VerinferChain author =
        VerinferChain.connect(devnet.deployment(), DevAccounts.account(14))) {
      modelId =
          author
              .models()
              .idOf(cid)
              .orElseGet(
                  () ->
                      author
                          .models()
                          .publish(
                              new ModelRegistryFacade.Publication(
                                  cid, "onnx", manifest.schemaHash(), 0, 0)));
      domain = author.channels().domain();
    }
    for (int consumer = 3; consumer <= 8; consumer++) {
      try (VerinferChain c =
          VerinferChain.connect(devnet.deployment(), DevAccounts.account(consumer))) {
        c.token().approve(c.channels().address(), TokenAmount.of(1_000_000));
        c.channels().deposit(TokenAmount.of(1_000_000));
      }
    }
    node = start(HONEST, pack, FaultInjection.none());
    faulty = start(FAULTY, pack, new FaultInjection(1.0, 5));
    provider = Address.of(DevAccounts.account(HONEST).getAddress());
  }

  static ProviderNode start(int account, Path pack, FaultInjection faults) {
    PaidSettings paid =
        new PaidSettings(
                devnet.deployment(),
                DevAccounts.account(account),
                dir.resolve("ledger-" + account + ".db"),
                Map.of(),
                TokenAmount.of(OUT),
                new Settler.Policy(
                    TokenAmount.ofTokens("1"), Duration.ofHours(1), 100, Duration.ofHours(1)))
            .withCommitteeDuty(io.verinfer.node.disputes.DutySettings.off())
            .withOnchainRequests(io.verinfer.node.onchain.OnchainSettings.off())
            .withText(
                PaidSettings.TextSettings.defaults()
                    .withRules(
                        TextPaymentRules.Settings.defaults()
                            .withWindow(W, K)
                            .withWaits(Duration.ofSeconds(2), Duration.ofSeconds(2))));
    return ProviderNode.start(
        new ProviderNode.Config(
                dir.resolve("store-" + account),
                List.of(pack),
                NodeServer.Options.loopback().withTransport(NodeServer.Transport.plain()),
                EngineConfig.defaults(),
                false,
                paid)
            .withFaults(faults),
        s -> {});
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    if (faulty != null) {
      faulty.close();
    }
    if (snapshot != null) {
      SharedDevnet.revert(snapshot); // later classes see none of these deposits or lanes
    }
  }

  static TextStreamClient client(int account) {
    return new TextStreamClient(account, node, provider, modelId, domain);
  }

  static int[] promptIds() {
    TextGenerator g = node.textGenerator().orElseThrow();
    return g.encode(
        "tiny-chat",
        g.renderChat("tiny-chat", List.of(new ChatMessage("user", "tell me a story"))));
  }

  static TextRequest commitment(int maxTokens) {
    return new TextRequest(promptIds(), 0, 1, 3, maxTokens, List.of());
  }

  @Test
  void aConsumerPayingEveryCheckpointPaysExactlyTheStreamsCostAndTheNodeRedeemsIt()
      throws Exception {
    TextStreamClient c = client(3);
    TextStreamClient.Result r = c.stream(CHAT + "40}", true, Integer.MAX_VALUE);
    assertThat(r.error).isNull();
    assertThat(r.finish).isIn("stop", "length");
    JsonNode v = r.first.path("verinfer");
    int prompt = promptIds().length;
    assertThat(v.path("prompt_tokens").asInt()).isEqualTo(prompt);
    assertThat(v.path("input_hash").asText()).isEqualTo(commitment(40).hash().hex());
    assertThat(ChatApiTest.ids(v.path("prompt_token_ids"))).containsExactly(promptIds());
    assertThat(v.path("max_tokens").asInt()).isEqualTo(40);
    assertThat(v.path("prices").path("input").asLong()).isEqualTo(IN);
    assertThat(v.path("prices").path("output").asLong()).isEqualTo(OUT);
    assertThat(v.path("due").asLong()).isEqualTo(prompt * IN);

    // the tokens are the engine's, and every checkpoint signs a prefix of them
    var expected =
        node.textGenerator()
            .orElseThrow()
            .generate(
                "tiny-chat",
                new GenerationRequest(promptIds(), new SamplingParams(0, 1, 3, 40, List.of())),
                ch -> true);
    assertThat(r.ids()).containsExactly(expected.completionTokens());
    assertThat(r.checkpoints.size()).isGreaterThanOrEqualTo(r.tokens.size() / K);
    TextPrice price = new TextPrice(TokenAmount.of(IN), TokenAmount.of(OUT));
    for (SignedReceipt cp : r.checkpoints.subList(0, r.checkpoints.size() - 1)) {
      checkCheckpoint(cp, c, 40);
      int n =
          (int)
              ((cp.receipt().cumulativeAmount().baseUnits().longValueExact() - prompt * IN) / OUT);
      int[] prefix = java.util.Arrays.copyOf(r.ids(), n);
      assertThat(cp.receipt().outputHash())
          .isEqualTo(new TextOutput(TextOutput.End.RUNNING, prefix).hash());
    }
    SignedReceipt last = r.last();
    checkCheckpoint(last, c, 40);
    TextOutput.End end = r.finish.equals("stop") ? TextOutput.End.STOP : TextOutput.End.LENGTH;
    assertThat(last.receipt().outputHash()).isEqualTo(new TextOutput(end, r.ids()).hash());
    assertThat(r.finalChunk.path("verinfer").path("output_hash").asText())
        .isEqualTo(new TextOutput(end, r.ids()).hash().hex());
    TokenAmount cost = price.cost(prompt, r.tokens.size());
    assertThat(last.receipt().cumulativeAmount()).isEqualTo(cost);

    // the lane holds exactly the stream's cost, and it redeems on-chain
    JsonNode lane = lane(c);
    assertThat(lane.path("cumulativeAmount").asText()).isEqualTo(cost.toString());
    assertThat(lane.path("cumulativeCalls").asLong()).isEqualTo(1);
    assertThat(lane.path("text").path("owed").asText()).isEqualTo(cost.toString());
    assertThat(lane.path("text").path("checkpoints").get(0).asText())
        .isEqualTo(PaymentHeaders.encode(last));
    node.settler().orElseThrow().settleAll();
    try (VerinferChain chain = VerinferChain.connect(devnet.deployment(), DevAccounts.account(3))) {
      var redeemed = chain.channels().laneOf(c.signer.address(), provider, modelId);
      assertThat(redeemed.amount()).isEqualTo(cost);
      assertThat(redeemed.calls()).isEqualTo(1);
    }
    String metrics = scrape();
    assertThat(metrics).contains("verinfer_text_streams_open 0.0");
    assertThat(metrics).contains("verinfer_text_time_to_first_token_seconds_count");
  }

  @Test
  void concurrentStreamsOnOneLaneEndWithALaneOfExactlyTheirCosts() throws Exception {
    TextStreamClient c = client(8);
    long base = c.amount;
    int streams = 3;
    List<HttpResponse<InputStream>> open = new java.util.ArrayList<>();
    List<SseEvents> readers = new java.util.ArrayList<>();
    // what the consumer owes per stream: the prompt from the opening, then each checkpoint's cost
    java.util.Map<Integer, Long> costs = new java.util.concurrent.ConcurrentHashMap<>();
    for (int i = 0; i < streams; i++) { // opened one at a time, as the SDK's lane sender does
      c.calls++;
      HttpResponse<InputStream> r =
          c.open("/v1/chat/completions", CHAT + (20 + 10 * i) + "}", c.voucher(c.amount, c.calls));
      assertThat(r.statusCode()).isEqualTo(200);
      SseEvents sse = new SseEvents(r.body());
      JsonNode first = sse.next().json();
      assertThat(first.path("verinfer").path("call").asLong()).isEqualTo(c.calls);
      costs.put(i, first.path("verinfer").path("prompt_tokens").asLong() * IN);
      synchronized (c) {
        c.payTo(first.path("verinfer").path("due").asLong());
      }
      open.add(r);
      readers.add(sse);
    }
    java.util.Map<Integer, String> finish = new java.util.concurrent.ConcurrentHashMap<>();
    List<Thread> threads = new java.util.ArrayList<>();
    for (int i = 0; i < streams; i++) {
      int stream = i;
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (SseEvents sse = readers.get(stream)) {
                      SseEvents.Event e;
                      while ((e = sse.next()) != null && !e.done()) {
                        JsonNode v = e.json().path("verinfer");
                        JsonNode choices = e.json().path("choices");
                        if (!choices.isEmpty() && !choices.get(0).path("finish_reason").isNull()) {
                          finish.put(stream, choices.get(0).path("finish_reason").asText());
                        }
                        if (v.has("receipt")) {
                          SignedReceipt r =
                              PaymentHeaders.decodeReceipt(v.path("receipt").asText());
                          assertThat(r.verify(domain)).isTrue();
                          costs.put(
                              stream, r.receipt().cumulativeAmount().baseUnits().longValueExact());
                          synchronized (c) {
                            c.payTo(
                                base + costs.values().stream().mapToLong(Long::longValue).sum());
                          }
                        }
                      }
                    } catch (Exception ex) {
                      throw new IllegalStateException(ex);
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join(60_000);
    }
    assertThat(finish).hasSize(streams);
    assertThat(finish.values()).allMatch(f -> f.equals("stop") || f.equals("length"));
    long sum = costs.values().stream().mapToLong(Long::longValue).sum();
    JsonNode lane = lane(c);
    assertThat(lane.path("cumulativeAmount").asLong()).isEqualTo(base + sum);
    assertThat(lane.path("cumulativeCalls").asLong()).isEqualTo(streams);
    assertThat(lane.path("text").path("owed").asLong()).isEqualTo(base + sum);
    assertThat(lane.path("text").path("open_streams").asInt()).isZero();
  }

  static void checkCheckpoint(SignedReceipt cp, TextStreamClient c, int maxTokens) {
    assertThat(cp.verify(domain)).isTrue();
    assertThat(cp.receipt().provider()).isEqualTo(provider);
    assertThat(cp.receipt().consumer()).isEqualTo(c.signer.address());
    assertThat(cp.receipt().modelId()).isEqualTo(modelId);
    assertThat(cp.receipt().inputHash()).isEqualTo(commitment(maxTokens).hash());
    assertThat(cp.receipt().cumulativeCalls()).isEqualTo(c.calls);
  }

  @Test
  void aConsumerThatNeverPaysThePromptGetsNoPrefill() throws Exception {
    String before = tokens();
    TextStreamClient c = client(4);
    TextStreamClient.Result r = c.stream(CHAT + "40}", false, 0);
    assertThat(r.error.path("code").asText()).isEqualTo("PAYMENT_REQUIRED");
    assertThat(r.tokens).isEmpty();
    assertThat(tokens()).isEqualTo(before); // not even the prompt was run
    JsonNode lane = lane(c);
    assertThat(lane.path("cumulativeAmount").asText()).isEqualTo("0");
    assertThat(lane.path("text").path("owed").asText()).isEqualTo("0"); // the prompt given back
  }

  @Test
  void aConsumerThatStopsPayingGetsAtMostTheWindowAndTheNodeClaimsIt() throws Exception {
    TextStreamClient c = client(5);
    TextStreamClient.Result r = c.stream(CHAT + "200}", true, 0);
    assertThat(r.finish).isEqualTo("cancelled");
    assertThat(r.tokens).hasSize(W);
    SignedReceipt claim = r.last();
    int prompt = promptIds().length;
    assertThat(claim.receipt().cumulativeAmount().baseUnits().longValueExact())
        .isEqualTo(prompt * IN + W * OUT);
    assertThat(claim.receipt().outputHash())
        .isEqualTo(new TextOutput(TextOutput.End.CANCELLED, r.ids()).hash());
    JsonNode lane = lane(c);
    assertThat(lane.path("cumulativeAmount").asLong()).isEqualTo(prompt * IN); // what it paid
    assertThat(lane.path("text").path("owed").asLong()).isEqualTo(prompt * IN + W * OUT);
    assertThat(lane.path("text").path("checkpoints").get(0).asText())
        .isEqualTo(PaymentHeaders.encode(claim));
    // the next stream's due includes the claim: paying it settles the debt
    TextStreamClient.Result next = c.stream(CHAT + "4}", true, Integer.MAX_VALUE);
    assertThat(next.first.path("verinfer").path("due").asLong())
        .isEqualTo(2 * prompt * IN + W * OUT);
    assertThat(next.error).isNull();
  }

  @Test
  void vouchersForOtherLanesLowerForgedOrReplayedOnesAndUnpaidRequestsAreRefused()
      throws Exception {
    TextStreamClient c = client(6);
    assertThat(c.open("/v1/chat/completions", CHAT + "4}", null).statusCode()).isEqualTo(402);
    TextStreamClient other = new TextStreamClient(6, node, provider, ModelId.of(9999), domain);
    assertThat(status(c.open("/v1/chat/completions", CHAT + "4}", other.voucher(0, 1))))
        .isEqualTo(400);
    TextStreamClient elsewhere =
        new TextStreamClient(
            6, node, Address.of(DevAccounts.account(12).getAddress()), modelId, domain);
    assertThat(status(c.open("/v1/chat/completions", CHAT + "4}", elsewhere.voucher(0, 1))))
        .isEqualTo(400);
    // someone else's name: a stranger signing as consumer 6 is not consumer 6
    TextStreamClient stranger = client(7);
    String forged =
        c.voucher(0, 1).substring(0, c.voucher(0, 1).lastIndexOf('.'))
            + stranger.voucher(0, 1).substring(stranger.voucher(0, 1).lastIndexOf('.'));
    assertThat(status(c.open("/v1/chat/completions", CHAT + "4}", forged))).isEqualTo(403);
    // a paid node serves streams only
    HttpResponse<InputStream> whole =
        c.open(
            "/v1/chat/completions",
            CHAT.replace("\"stream\":true", "\"stream\":false") + "4}",
            c.voucher(0, 1));
    assertThat(whole.statusCode()).isEqualTo(400);
    assertThat(new String(whole.body().readAllBytes())).contains("\"param\":\"stream\"");

    TextStreamClient.Result r = c.stream(CHAT + "4}", true, Integer.MAX_VALUE);
    assertThat(r.error).isNull();
    // the newest voucher, which GET /v1/lanes shows, cannot open a stream in 6's name
    assertThat(status(c.open("/v1/chat/completions", CHAT + "4}", c.voucher(c.amount, c.calls))))
        .isEqualTo(409);
    assertThat(c.pay(c.amount, c.calls).statusCode()).isEqualTo(409); // not above the newest
    assertThat(c.pay(c.amount - 1, c.calls + 1).statusCode()).isEqualTo(409); // lower
    assertThat(c.payWith(forged).statusCode()).isEqualTo(403);
    assertThat(c.payWith(other.voucher(c.amount + 1, c.calls)).statusCode()).isEqualTo(400);
    assertThat(lane(c).path("cumulativeAmount").asLong()).isEqualTo(c.amount);
  }

  @Test
  void aCorruptingNodeSignsTheWrongTokensItSent() throws Exception {
    Address bad = Address.of(DevAccounts.account(FAULTY).getAddress());
    TextStreamClient c = new TextStreamClient(7, faulty, bad, modelId, domain);
    TextStreamClient.Result r = c.stream(CHAT + "12}", true, Integer.MAX_VALUE);
    var honest =
        node.textGenerator()
            .orElseThrow()
            .generate(
                "tiny-chat",
                new GenerationRequest(promptIds(), new SamplingParams(0, 1, 3, 12, List.of())),
                ch -> true);
    int[] honestIds = honest.completionTokens();
    assertThat(r.ids())
        .containsExactly(OutputCorruptor.corruptTokens(honestIds, TinyTextPacks.VOCAB));
    SignedReceipt last = r.last();
    assertThat(last.verify(domain)).isTrue();
    assertThat(last.receipt().provider()).isEqualTo(bad);
    TextOutput.End end = r.finish.equals("stop") ? TextOutput.End.STOP : TextOutput.End.LENGTH;
    TextOutput claimed = new TextOutput(end, r.ids());
    assertThat(last.receipt().outputHash()).isEqualTo(claimed.hash());
    // the signed claim disagrees with an honest re-run at its first token
    assertThat(claimed.firstDifference(honestIds)).isZero();
    assertThat(
            claimed.agreesWith(
                honestIds,
                honest.finishReason() == io.verinfer.runtime.textgen.FinishReason.STOP
                    ? TextOutput.End.STOP
                    : TextOutput.End.LENGTH))
        .isFalse();
  }

  static int status(HttpResponse<InputStream> r) throws Exception {
    r.body().close();
    return r.statusCode();
  }

  static JsonNode lane(TextStreamClient c) throws Exception {
    HttpResponse<String> r =
        TextStreamClient.HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(
                        c.node.baseUrl()
                            + "/v1/lanes/"
                            + c.signer.address().value()
                            + "/"
                            + modelId.value()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return SseEvents.JSON.readTree(r.body());
  }

  static String scrape() throws Exception {
    return TextStreamClient.HTTP
        .send(
            HttpRequest.newBuilder(URI.create(node.metricsUrl().orElseThrow())).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  static String tokens() throws Exception {
    return scrape()
        .lines()
        .filter(l -> l.startsWith("verinfer_text_tokens_total"))
        .reduce("", (a, b) -> a + b + "\n");
  }
}
