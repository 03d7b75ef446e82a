package io.verinfer.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.packs.DemoPacks;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
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
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(node.baseUrl() + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
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
