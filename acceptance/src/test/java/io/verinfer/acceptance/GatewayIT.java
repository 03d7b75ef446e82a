package io.verinfer.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.facade.ModelRegistryFacade;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.client.ClientOptions;
import io.verinfer.client.VerinferClient;
import io.verinfer.client.gateway.Gateway;
import io.verinfer.node.NodeServer;
import io.verinfer.node.PaidSettings;
import io.verinfer.node.ProviderNode;
import io.verinfer.node.payment.Settler;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.ModelManifest;
import io.verinfer.runtime.packs.minilm.MiniLmPack;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's promise: through the local gateway, the official OpenAI client library (npm {@code
 * openai}) gets 384-dimensional embeddings from a paid provider on the devnet.
 */
class GatewayIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  @Test
  void theOfficialOpenAiClientGetsPaidEmbeddingsThroughTheGateway() throws Exception {
    String snapshot = SharedDevnet.snapshot();
    try (Actors actors = new Actors()) {
      Path pack = MiniLmPack.write(dir.resolve("packs"));
      ModelManifest manifest = ModelManifest.read(pack);
      Cid cid = Cid.of(Files.readAllBytes(manifest.modelFile(pack)));
      ModelId model =
          actors
              .author(0)
              .models()
              .publish(
                  new ModelRegistryFacade.Publication(
                      cid,
                      "onnx",
                      manifest.schemaHash(),
                      200, // 2 % royalty
                      manifest.tolerancePpm()));
      Actors.deposit(actors.consumer(1), TokenAmount.of(1_000_000));
      PaidSettings paid =
          new PaidSettings(
              SharedDevnet.get().deployment(),
              DevAccounts.account(Actors.PROVIDER_0 + 2),
              dir.resolve("ledger.db"),
              Map.of(MiniLmPack.NAME, TokenAmount.of(5_000)),
              TokenAmount.of(5_000),
              new Settler.Policy(
                  TokenAmount.ofTokens("1"), Duration.ofHours(1), 100, Duration.ofHours(1)));
      try (ProviderNode node =
              ProviderNode.start(
                  new ProviderNode.Config(
                      dir.resolve("store"),
                      List.of(pack),
                      NodeServer.Options.loopback(),
                      EngineConfig.defaults(),
                      false,
                      paid),
                  s -> {});
          VerinferClient client =
              VerinferClient.connect(
                  SharedDevnet.get().deployment(),
                  DevAccounts.account(Actors.CONSUMER_0 + 1),
                  dir.resolve("client"),
                  ClientOptions.defaults());
          Gateway gateway = new Gateway(client, Map.of(MiniLmPack.NAME, model), "127.0.0.1", 0)) {
        JsonNode openai = runOpenAiExample(gateway.baseUrl() + "/v1");
        assertThat(openai.path("vectors").asInt()).isEqualTo(2);
        assertThat(openai.path("dimensions").asInt()).isEqualTo(384);
        assertThat(openai.path("cosine").asDouble()).isGreaterThan(0.5);

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> models =
            http.send(
                HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/models")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(JSON.readTree(models.body()).path("data").get(0).path("id").asText())
            .isEqualTo(MiniLmPack.NAME);

        HttpResponse<String> bad =
            http.send(
                HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/embeddings"))
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"minilm-embed\",\"input\":\"\"}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).path("error").path("code").asText())
            .isEqualTo("EMPTY_INPUT");

        String provider = Actors.address(Actors.PROVIDER_0 + 2).value();
        HttpResponse<String> floats = embed(http, gateway, provider, "float");
        assertThat(floats.statusCode()).isEqualTo(200);
        assertThat(floats.headers().firstValue("X-Verinfer-Verification"))
            .hasValue(
                "none; NOT_CHECKED; providers=" + provider.toLowerCase(java.util.Locale.ROOT));
        HttpResponse<String> badMode =
            http.send(
                HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/embeddings"))
                    .header("Content-Type", "application/json")
                    .header("X-Verinfer-Verify", "sometimes")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"minilm-embed\",\"input\":\"x\"}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(badMode.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(badMode.body()).path("error").path("field").asText())
            .isEqualTo("X-Verinfer-Verify");
        HttpResponse<String> base64 = embed(http, gateway, provider, "base64");
        assertThat(base64.statusCode()).isEqualTo(200);
        // the same vector either way: decimal floats read back to the exact bits base64 carries
        JsonNode decimal = JSON.readTree(floats.body()).path("data").get(0).path("embedding");
        java.nio.FloatBuffer exact =
            java.nio.ByteBuffer.wrap(
                    java.util.Base64.getDecoder()
                        .decode(
                            JSON.readTree(base64.body())
                                .path("data")
                                .get(0)
                                .path("embedding")
                                .asText()))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer();
        assertThat(decimal.size()).isEqualTo(384);
        assertThat(exact.remaining()).isEqualTo(384);
        for (int k = 0; k < 384; k++) {
          assertThat(Float.parseFloat(decimal.get(k).asText())).isEqualTo(exact.get(k));
        }
        HttpResponse<String> elsewhere =
            embed(http, gateway, "0x00000000000000000000000000000000000000aa", "float");
        assertThat(elsewhere.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(elsewhere.body()).path("error").path("code").asText())
            .isEqualTo("NO_PROVIDER");
        HttpResponse<String> garbled = embed(http, gateway, provider + ",not-an-address", "float");
        assertThat(garbled.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(garbled.body()).path("error").path("field").asText())
            .isEqualTo("X-Verinfer-Providers");

        assertThat(node.settler().orElseThrow().settleAll()).isEqualTo(1);
        var usage = actors.admin().counter().usageOf(Actors.address(Actors.CONSUMER_0 + 1));
        assertThat(usage.calls()).isEqualTo(3); // three paid calls; the refused ones cost nothing
        assertThat(usage.spend()).isEqualTo(TokenAmount.of(15_000));
      }
    } finally {
      SharedDevnet.revert(snapshot);
    }
  }

  /** One embeddings call through the gateway, limited to {@code providers}. */
  private static HttpResponse<String> embed(
      HttpClient http, Gateway gateway, String providers, String format)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/embeddings"))
            .header("Content-Type", "application/json")
            .header("X-Verinfer-Providers", providers)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"minilm-embed\",\"input\":\"routing\",\"encoding_format\":\""
                        + format
                        + "\"}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode runOpenAiExample(String baseUrl)
      throws IOException, InterruptedException {
    Path root = Path.of(System.getProperty("verinfer.root", ".."));
    Process p =
        new ProcessBuilder("bash", root.resolve("examples/openai/run.sh").toString(), baseUrl)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    String last = out.lines().reduce((a, b) -> b).orElse("");
    return JSON.readTree(last);
  }
}
