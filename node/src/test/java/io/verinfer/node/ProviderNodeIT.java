package io.verinfer.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.node.api.ModelCatalog;
import io.verinfer.node.api.PaymentGate;
import io.verinfer.node.metrics.NodeMetrics;
import io.verinfer.node.metrics.PrometheusText;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.VerinferException;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.packs.DemoPacks;
import io.verinfer.runtime.store.LocalModelStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A provider node serving the three demo packs over real HTTP on 127.0.0.1. */
class ProviderNodeIT {
  @TempDir static Path dir;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static ProviderNode node;

  @BeforeAll
  static void start() {
    node =
        ProviderNode.start(
            new ProviderNode.Config(
                dir.resolve("store"),
                DemoPacks.ensure(dir.resolve("packs"), s -> {}),
                NodeServer.Options.loopback(),
                EngineConfig.defaults(),
                true),
            s -> {});
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    return PinnedHttp.to(node)
        .send(
            HttpRequest.newBuilder(URI.create(node.baseUrl() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(ProviderNode node, String path) throws Exception {
    return PinnedHttp.to(node)
        .send(
            HttpRequest.newBuilder(URI.create(node.baseUrl() + path)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
  }

  /** Scrapes the node's admin server (metrics are not on the public address). */
  private static Map<String, Double> scrape(ProviderNode node) throws Exception {
    return scrape(node.metricsUrl().orElseThrow());
  }

  private static Map<String, Double> scrape(NodeServer node) throws Exception {
    return scrape(node.metricsUrl().orElseThrow());
  }

  private static Map<String, Double> scrape(String metricsUrl) throws Exception {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(metricsUrl)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type").orElseThrow())
        .startsWith("text/plain; version=0.0.4");
    return PrometheusText.parse(response.body());
  }

  private static double moved(Map<String, Double> before, Map<String, Double> after, String key) {
    return PrometheusText.delta(before, after, key);
  }

  private static String requests(String route, String method, int status) {
    return PrometheusText.series(
        "verinfer_http_requests_total",
        "route",
        route,
        "method",
        method,
        "status",
        Integer.toString(status));
  }

  private static String refusals(ErrorCode code) {
    return PrometheusText.series("verinfer_refusals_total", "code", code.name());
  }

  private static double sum(Map<String, Double> before, Map<String, Double> after, String name) {
    return after.keySet().stream()
        .filter(k -> k.startsWith(name + "{"))
        .mapToDouble(k -> moved(before, after, k))
        .sum();
  }

  private static final String ONE_ROW =
      "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,8],\"datatype\":\"FP32\","
          + "\"data\":[25,14,0,2,1,2000,1,0]}]}";

  @Test
  void metricsCountWhatTheNodeAnsweredByRouteTemplate() throws Exception {
    String infer = "/v2/models/{id}/infer";
    Map<String, Double> before = scrape(node);

    assertThat(post("/v2/models/fraud-detect/infer", ONE_ROW).statusCode()).isEqualTo(200);
    assertThat(post("/v2/models/amm-fee/infer", "{\"inputs\":[").statusCode()).isEqualTo(400);
    assertThat(post("/v2/models/fraud-detect/infer", ONE_ROW).statusCode()).isEqualTo(200);
    assertThat(post("/v1/embeddings", "{\"model\":\"minilm-embed\",\"input\":\"hi\"}").statusCode())
        .isEqualTo(200);
    assertThat(post("/v1/embeddings", "{\"model\":\"gpt-9\",\"input\":\"hi\"}").statusCode())
        .isEqualTo(404);
    // the node answers a path it does not serve with MALFORMED_REQUEST, a 400
    assertThat(get(node, "/no/such/endpoint").statusCode()).isEqualTo(400);
    assertThat(get(node, "/v2/models/fraud-detect").statusCode()).isEqualTo(200);

    Map<String, Double> after = scrape(node);
    assertThat(moved(before, after, requests(infer, "POST", 200))).isEqualTo(2);
    assertThat(moved(before, after, requests(infer, "POST", 400))).isEqualTo(1);
    assertThat(moved(before, after, requests("/v1/embeddings", "POST", 200))).isEqualTo(1);
    assertThat(moved(before, after, requests("/v1/embeddings", "POST", 404))).isEqualTo(1);
    assertThat(moved(before, after, requests("unmatched", "GET", 400))).isEqualTo(1);
    assertThat(moved(before, after, requests("/v2/models/{id}", "GET", 200))).isEqualTo(1);
    assertThat(sum(before, after, "verinfer_http_requests_total")).isEqualTo(7);
    // the metrics live on the admin address only, never on the public one
    assertThat(get(node, "/metrics").statusCode()).isEqualTo(400);
    assertThat(after.keySet()).noneMatch(k -> k.contains("fraud-detect") || k.contains("/no/"));
    assertThat(
            moved(
                before,
                after,
                PrometheusText.series(
                    "verinfer_http_request_duration_seconds_count",
                    "route",
                    infer,
                    "method",
                    "POST")))
        .isEqualTo(3);

    assertThat(moved(before, after, refusals(ErrorCode.MALFORMED_JSON))).isEqualTo(1);
    assertThat(moved(before, after, refusals(ErrorCode.UNKNOWN_MODEL))).isEqualTo(1);
    assertThat(moved(before, after, refusals(ErrorCode.MALFORMED_REQUEST))).isEqualTo(1);
    assertThat(sum(before, after, "verinfer_refusals_total")).isEqualTo(3);
    assertThat(moved(before, after, "verinfer_paid_calls_total")).isZero(); // an unpaid node

    // the engine's figures are read at scrape time: two fraud runs and one embedding run
    assertThat(moved(before, after, "verinfer_engine_session_runs_total")).isEqualTo(3);
    assertThat(after.get("verinfer_engine_session_runs_total"))
        .isEqualTo((double) node.engine().stats().sessionRuns());
    assertThat(after.get("verinfer_engine_models")).isEqualTo(3);
    assertThat(after.get("verinfer_engine_cached_sessions")).isGreaterThanOrEqualTo(2);
    assertThat(after.get("verinfer_engine_session_cache_bytes")).isPositive();
    assertThat(after.get("verinfer_engine_session_cache_budget_bytes"))
        .isEqualTo((double) EngineConfig.defaults().sessionCacheBytes());
    assertThat(after.get("verinfer_engine_active_runs")).isZero();
    assertThat(after.keySet()).anyMatch(k -> k.startsWith("jvm_memory_used_bytes{"));
  }

  /**
   * Paid calls are counted at the HTTP layer: answers 200 that carry a receipt. The gate here
   * stands in for the voucher gate (PaidCallsIT runs the real one against a devnet): it stamps a
   * receipt on calls that bring a voucher header and refuses the others.
   */
  @Test
  void paidCallsAreAnswersWithAReceipt() throws Exception {
    PaymentGate stamping =
        (ctx, model) -> {
          if (ctx.header(PaymentHeaders.VOUCHER) == null) {
            throw new VerinferException(
                ErrorCode.PAYMENT_REQUIRED, PaymentHeaders.VOUCHER, "send a voucher");
          }
          return new PaymentGate.Hold() {
            @Override
            public Map<String, String> settle(Bytes32 inputHash, Bytes32 outputHash) {
              return Map.of(PaymentHeaders.RECEIPT, "v1.test-receipt");
            }

            @Override
            public void close() {}
          };
        };
    try (NodeServer paid =
        new NodeServer(
            new ModelCatalog(node.engine()),
            new LocalModelStore(dir.resolve("store")),
            stamping,
            NodeServer.Options.loopback(),
            NodeMetrics.withoutJvm(),
            app -> {})) {
      for (String voucher : new String[] {"v1.a", null, "v1.b", "v1.c"}) {
        HttpRequest.Builder call =
            HttpRequest.newBuilder(URI.create(paid.baseUrl() + "/v2/models/fraud-detect/infer"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(ONE_ROW));
        if (voucher != null) {
          call.header(PaymentHeaders.VOUCHER, voucher);
        }
        HttpResponse<String> response =
            PinnedHttp.to(paid).send(call.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(voucher == null ? 402 : 200);
        assertThat(response.headers().firstValue(PaymentHeaders.RECEIPT).isPresent())
            .isEqualTo(voucher != null);
      }
      Map<String, Double> metrics = scrape(paid);
      assertThat(metrics.get("verinfer_paid_calls_total")).isEqualTo(3);
      assertThat(metrics.get(refusals(ErrorCode.PAYMENT_REQUIRED))).isEqualTo(1);
      assertThat(metrics.get(requests("/v2/models/{id}/infer", "POST", 402))).isEqualTo(1);
      assertThat(paid.metrics()).isNotSameAs(node.metrics());
    }
  }

  private static double cosine(JsonNode a, JsonNode b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.size(); i++) {
      dot += a.get(i).asDouble() * b.get(i).asDouble();
      na += a.get(i).asDouble() * a.get(i).asDouble();
      nb += b.get(i).asDouble() * b.get(i).asDouble();
    }
    return dot / Math.sqrt(na * nb);
  }

  @Test
  void openAiEmbeddingsCarryMeaning() throws Exception {
    HttpResponse<String> response =
        post(
            "/v1/embeddings",
            "{\"model\":\"minilm-embed\",\"input\":[\"A man is playing a guitar.\","
                + "\"Someone is playing an instrument.\",\"The stock market fell sharply today.\"]}");
    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.path("object").asText()).isEqualTo("list");
    assertThat(body.path("model").asText()).isEqualTo("minilm-embed");
    assertThat(body.path("usage").path("prompt_tokens").asInt()).isPositive();
    JsonNode data = body.path("data");
    assertThat(data).hasSize(3);
    JsonNode guitar = data.get(0).path("embedding");
    assertThat(guitar).hasSize(384);
    double related = cosine(guitar, data.get(1).path("embedding"));
    double unrelated = cosine(guitar, data.get(2).path("embedding"));
    System.out.printf(
        "cos(guitar, instrument)=%.4f cos(guitar, stocks)=%.4f%n", related, unrelated);
    assertThat(related).isGreaterThan(unrelated + 0.3);

    JsonNode single =
        JSON.readTree(
            post("/v1/embeddings", "{\"model\":\"minilm-embed\",\"input\":\"hello\"}").body());
    assertThat(single.path("data")).hasSize(1);
  }

  @Test
  void theFraudModelScoresOverTheInferenceProtocol() throws Exception {
    String risky = "[5000,3,4,900,12,0.1,0,1]";
    String usual = "[25,14,0,2,1,2000,1,0]";
    HttpResponse<String> response =
        post(
            "/v2/models/fraud-detect/infer",
            "{\"inputs\":[{\"name\":\"features\",\"shape\":[2,8],\"datatype\":\"FP32\",\"data\":["
                + risky
                + ","
                + usual
                + "]}]}");
    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode scores = JSON.readTree(response.body()).path("outputs").get(0).path("data");
    assertThat(scores.get(0).asDouble()).isGreaterThan(scores.get(1).asDouble());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "unknown model|{\"model\":\"gpt-9\",\"input\":\"hi\"}|404|UNKNOWN_MODEL|model",
        "not an embedding model|{\"model\":\"fraud-detect\",\"input\":\"hi\"}|400|UNSUPPORTED_TASK|model",
        "missing model|{\"input\":\"hi\"}|400|MALFORMED_REQUEST|model",
        "empty text|{\"model\":\"minilm-embed\",\"input\":\"\"}|400|EMPTY_INPUT|input[0]",
        "empty array|{\"model\":\"minilm-embed\",\"input\":[]}|400|EMPTY_INPUT|input",
        "token arrays|{\"model\":\"minilm-embed\",\"input\":[[1,2,3]]}|400|MALFORMED_REQUEST|input[0]",
        "bad format|{\"model\":\"minilm-embed\",\"input\":\"hi\",\"encoding_format\":\"int8\"}|400|MALFORMED_REQUEST|encoding_format",
        "malformed JSON|{\"model\":|400|MALFORMED_JSON|body",
        "other dimensions|{\"model\":\"minilm-embed\",\"input\":\"hi\",\"dimensions\":128}|400|MALFORMED_REQUEST|dimensions",
      })
  void badEmbeddingRequestsAreRefused(
      String what, String body, int status, String code, String field) throws Exception {
    long runs = node.engine().stats().sessionRuns();
    HttpResponse<String> response = post("/v1/embeddings", body);
    assertThat(response.statusCode()).as(what).isEqualTo(status);
    JsonNode error = JSON.readTree(response.body()).path("error");
    assertThat(error.path("code").asText()).as(what).isEqualTo(code);
    assertThat(error.path("param").asText()).as(what).isEqualTo(field);
    assertThat(node.engine().stats().sessionRuns()).as(what).isEqualTo(runs);
  }
}
