package io.verinfer.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.node.api.PaymentGate;
import io.verinfer.node.tls.TlsIdentity;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.tls.TlsPin;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.onnx.OnnxInferenceEngine;
import io.verinfer.runtime.store.LocalModelStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The public server's limits (413, 431, 429 as JSON naming the limit), /metrics only on the admin
 * address, and HTTPS with a pinned key (the right pin connects, another is refused).
 */
class PublicSurfaceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  @TempDir Path dir;

  private NodeServer server(NodeServer.Options options) {
    LocalModelStore store = new LocalModelStore(dir.resolve("store"));
    Cid cid = store.put(NodeApiTest.doubler());
    OnnxInferenceEngine engine = new OnnxInferenceEngine(store, EngineConfig.defaults());
    engine.deploy(NodeApiTest.doublerSpec(cid));
    return new NodeServer(engine, store, PaymentGate.unpaidDevnet(), options, app -> {});
  }

  private static JsonNode error(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body()).path("error");
  }

  @Test
  void limitsAnswerJsonNamingTheLimit() throws Exception {
    NodeServer.Options options =
        new NodeServer.Options("127.0.0.1", 0, 1024)
            .withLimits(new NodeServer.Limits(2048, 64, 1, 5));
    try (NodeServer server = server(options)) {
      HttpResponse<String> big =
          PinnedHttp.to(server)
              .send(
                  HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v2/models/doubler/infer"))
                      .header("Content-Type", "application/json")
                      .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[4096]))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(big.statusCode()).isEqualTo(413);
      assertThat(error(big).path("code").asText()).isEqualTo("INPUT_TOO_LARGE");
      assertThat(error(big).path("message").asText()).contains("1024 bytes");

      HttpResponse<String> headers =
          PinnedHttp.to(server)
              .send(
                  HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health"))
                      .header("X-Big", "x".repeat(4096))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(headers.statusCode()).isEqualTo(431);
      assertThat(error(headers).path("code").asText()).isEqualTo("HEADERS_TOO_LARGE");
      assertThat(error(headers).path("message").asText()).contains("2048 bytes");

      int limited = 0;
      HttpResponse<String> last = null;
      for (int i = 0; i < 20; i++) {
        HttpResponse<String> r =
            PinnedHttp.to(server)
                .send(
                    HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 429) {
          limited++;
          last = r;
        }
      }
      assertThat(limited).isGreaterThan(0);
      assertThat(error(last).path("code").asText()).isEqualTo("RATE_LIMITED");
      assertThat(error(last).path("message").asText()).contains("1 per second", "burst of 5");
      assertThat(last.headers().firstValue("Retry-After")).isPresent();
    }
  }

  @Test
  void metricsOnlyOnTheAdminAddress() throws Exception {
    try (NodeServer server = server(NodeServer.Options.loopback())) {
      HttpResponse<String> pub =
          PinnedHttp.to(server)
              .send(
                  HttpRequest.newBuilder(URI.create(server.baseUrl() + "/metrics")).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(pub.statusCode()).isNotEqualTo(200);
      assertThat(pub.body()).doesNotContain("verinfer_http_requests_total");
      HttpResponse<String> admin =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(server.metricsUrl().orElseThrow())).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(admin.statusCode()).isEqualTo(200);
      assertThat(admin.body()).contains("verinfer_http_requests_total");
    }
  }

  @Test
  void httpsAcceptsExactlyThePinnedKey() throws Exception {
    Path keyFile = dir.resolve("tls.p12");
    NodeServer.Options options =
        NodeServer.Options.loopback().withTransport(NodeServer.Transport.tls().at(keyFile));
    try (NodeServer server = server(options)) {
      assertThat(server.baseUrl()).startsWith("https://");
      TlsPin pin = server.tls().orElseThrow().pin();
      assertThat(TlsIdentity.load(keyFile).pin()).isEqualTo(pin);
      HttpClient pinned =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .sslContext(pin.sslContext())
              .build();
      HttpRequest health = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health")).build();
      assertThat(pinned.send(health, HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(200);

      HttpClient other =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .sslContext(TlsIdentity.generate().pin().sslContext())
              .build();
      try {
        other.send(health, HttpResponse.BodyHandlers.ofString());
        throw new AssertionError("a client pinning another key connected");
      } catch (SSLHandshakeException e) {
        assertThat(e).hasStackTraceContaining("TLS key mismatch");
      }
    }
  }

  @Test
  void httpsIsTheDefaultAndPlainHttpOnlyWhenAsked() throws Exception {
    try (NodeServer server = server(NodeServer.Options.loopback())) {
      assertThat(server.baseUrl()).startsWith("https://");
      assertThat(server.tls()).isPresent();
    }
    try (NodeServer server = server(new NodeServer.Options("127.0.0.1", 0, 1024))) {
      assertThat(server.baseUrl()).startsWith("https://");
    }
    NodeServer.Options plain =
        NodeServer.Options.loopback().withTransport(NodeServer.Transport.plain());
    try (NodeServer server = server(plain)) {
      assertThat(server.baseUrl()).startsWith("http://");
      assertThat(server.tls()).isEmpty();
      HttpResponse<String> health =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
    }
  }

  @Test
  void theKeyFileIsOwnerOnlyAndARestartPresentsTheSameKey() throws Exception {
    Path keyFile = dir.resolve("data").resolve("tls.p12");
    NodeServer.Options options =
        NodeServer.Options.loopback().withTransport(NodeServer.Transport.tls().at(keyFile));
    TlsPin first;
    try (NodeServer server = server(options)) {
      first = server.tls().orElseThrow().pin();
    }
    assertThat(java.nio.file.Files.getPosixFilePermissions(keyFile))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    try (NodeServer server = server(options)) {
      assertThat(server.tls().orElseThrow().pin()).isEqualTo(first);
    }
  }
}
