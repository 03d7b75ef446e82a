package io.verinfer.node;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.node.api.PaymentGate;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.DataType;
import io.verinfer.protocol.ModelSchema;
import io.verinfer.protocol.TensorSpec;
import io.verinfer.protocol.tls.TransportPolicy;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.ModelSpec;
import io.verinfer.runtime.onnx.OnnxInferenceEngine;
import io.verinfer.runtime.store.LocalModelStore;
import io.verinfer.runtime.store.PeerFetcher;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;

/** The node's HTTP API over real HTTP on 127.0.0.1 with a real ONNX Runtime engine. */
public class NodeApiTest {
  @TempDir static Path dir;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static OnnxInferenceEngine engine;
  private static LocalModelStore store;
  private static NodeServer server;
  private static Cid cid;
  private static byte[] modelBytes;

  /** y = 2x + 1 on FP32 [-1, 3]. */
  public static byte[] doubler() {
    ONNXContext ctx = new ONNXContext();
    ONNXPlaceholder x = ctx.floatInput("x", 3);
    ONNXPlaceholder y = ctx.floatOutput("y", 3);
    x.apply(ONNXOperators.MUL, ctx.constant("two", 2f))
        .apply(ONNXOperators.ADD, ctx.constant("one", 1f))
        .assignTo(y);
    return OnnxMl.ModelProto.newBuilder()
        .setIrVersion(8)
        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(13).build())
        .setGraph(ctx.buildGraph())
        .build()
        .toByteArray();
  }

  /** The {@link #doubler()} stored as {@code cid}, served as {@code "doubler"}. */
  public static ModelSpec doublerSpec(Cid cid) {
    return new ModelSpec(
        "doubler",
        cid,
        new ModelSchema(
            List.of(new TensorSpec("x", DataType.FP32, List.of(-1L, 3L))),
            List.of(new TensorSpec("y", DataType.FP32, List.of(-1L, 3L))),
            120),
        1_000);
  }

  @BeforeAll
  static void start() {
    store = new LocalModelStore(dir.resolve("store"));
    modelBytes = doubler();
    cid = store.put(modelBytes);
    engine = new OnnxInferenceEngine(store, EngineConfig.defaults());
    engine.deploy(doublerSpec(cid));
    server =
        new NodeServer(
            engine, store, PaymentGate.unpaidDevnet(), NodeServer.Options.loopback(), app -> {});
  }

  @AfterAll
  static void stop() {
    server.close();
    engine.close();
  }

  private static HttpResponse<String> post(String path, byte[] body) throws Exception {
    return PinnedHttp.to(server)
        .send(
            HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    return post(path, body.getBytes(StandardCharsets.UTF_8));
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return PinnedHttp.to(server)
        .send(
            HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void metadataReadinessAndInference() throws Exception {
    JsonNode meta = JSON.readTree(get("/v2/models/doubler").body());
    assertThat(meta.path("name").asText()).isEqualTo("doubler");
    assertThat(meta.path("inputs").get(0).path("shape").toString()).isEqualTo("[-1,3]");
    assertThat(meta.path("parameters").path("cid").asText()).isEqualTo(cid.toString());
    assertThat(get("/v2/models/doubler/ready").statusCode()).isEqualTo(200);

    String request =
        "{\"id\":\"r1\",\"inputs\":[{\"name\":\"x\",\"shape\":[2,3],\"datatype\":\"FP32\","
            + "\"data\":[[1,2,3],[4,5,6]]}]}";
    HttpResponse<String> first = post("/v2/models/doubler/infer", request);
    assertThat(first.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(first.body());
    assertThat(body.path("id").asText()).isEqualTo("r1");
    assertThat(body.path("outputs").get(0).path("data").toString())
        .isEqualTo("[3.0,5.0,7.0,9.0,11.0,13.0]");
    String hash = body.path("parameters").path("output_hash").asText();
    assertThat(hash).startsWith("0x").hasSize(66);
    JsonNode again = JSON.readTree(post("/v2/models/doubler/infer", request).body());
    assertThat(again.path("parameters").path("output_hash").asText()).isEqualTo(hash);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "unknown model|/v2/models/nope/infer|{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}|404|UNKNOWN_MODEL|model",
        "wrong input name|/v2/models/doubler/infer|{\"inputs\":[{\"name\":\"z\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}|400|UNKNOWN_INPUT|inputs[0].name",
        "wrong dtype|/v2/models/doubler/infer|{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"INT64\",\"data\":[1,2,3]}]}|400|WRONG_DATATYPE|inputs[0].datatype",
        "unknown dtype|/v2/models/doubler/infer|{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP8\",\"data\":[1,2,3]}]}|400|WRONG_DATATYPE|inputs[0].datatype",
        "wrong rank|/v2/models/doubler/infer|{\"inputs\":[{\"name\":\"x\",\"shape\":[3],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}|400|WRONG_SHAPE|inputs[0].shape",
        "wrong size|/v2/models/doubler/infer|{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}|400|WRONG_SHAPE|inputs[0].shape",
        "data vs shape|/v2/models/doubler/infer|{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,2]}]}|400|DATA_SIZE_MISMATCH|inputs[0].data",
        "too many bytes|/v2/models/doubler/infer|{\"inputs\":[{\"name\":\"x\",\"shape\":[11,3],\"datatype\":\"FP32\",\"data\":[1,2,3,1,2,3,1,2,3,1,2,3,1,2,3,1,2,3,1,2,3,1,2,3,1,2,3,1,2,3,1,2,3]}]}|413|INPUT_TOO_LARGE|inputs",
        "malformed JSON|/v2/models/doubler/infer|{\"inputs\":[{\"name\":|400|MALFORMED_JSON|body",
        "empty inputs|/v2/models/doubler/infer|{\"inputs\":[]}|400|EMPTY_INPUT|inputs",
        "no inputs field|/v2/models/doubler/infer|{\"input\":1}|400|MALFORMED_REQUEST|inputs",
        "text as number|/v2/models/doubler/infer|{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,\"two\",3]}]}|400|INVALID_VALUE|inputs[0].data[1]",
        "negative dim|/v2/models/doubler/infer|{\"inputs\":[{\"name\":\"x\",\"shape\":[-1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}|400|WRONG_SHAPE|inputs[0].shape",
      })
  void badInputIsRefusedWithACodeAndTheField(
      String what, String path, String body, int status, String code, String field)
      throws Exception {
    long runs = engine.stats().sessionRuns();
    HttpResponse<String> response = post(path, body);
    assertThat(response.statusCode()).as(what).isEqualTo(status);
    JsonNode error = JSON.readTree(response.body()).path("error");
    assertThat(error.path("code").asText()).as(what).isEqualTo(code);
    assertThat(error.path("field").asText()).as(what).isEqualTo(field);
    assertThat(error.path("message").asText()).as(what).isNotBlank();
    assertThat(engine.stats().sessionRuns()).as("%s reached ONNX Runtime", what).isEqualTo(runs);
    assertThat(get("/health").statusCode()).isEqualTo(200);
  }

  @Test
  void nonUtf8BodiesAreRefused() throws Exception {
    byte[] body = "{\"inputs\":\"\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
    HttpResponse<String> response = post("/v2/models/doubler/infer", body);
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(response.body()).path("error").path("code").asText())
        .isEqualTo("INVALID_TEXT");
  }

  @Test
  void blobsAreServedByCidAndAPeerFetchIsByteIdentical() throws Exception {
    HttpResponse<byte[]> blob =
        PinnedHttp.to(server)
            .send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + "/ipfs/" + cid)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(blob.statusCode()).isEqualTo(200);
    assertThat(blob.body()).isEqualTo(modelBytes);

    LocalModelStore other = new LocalModelStore(dir.resolve("other"));
    new PeerFetcher(
            other,
            Duration.ofSeconds(10),
            new TransportPolicy(TransportPolicy.DEVNET_CHAIN_ID, false))
        .fetch(
            cid,
            List.of(
                new PeerFetcher.Peer(
                    URI.create(server.baseUrl() + "/"),
                    server.tls().map(io.verinfer.node.tls.TlsIdentity::pin))),
            (p, n, t) -> {});
    assertThat(other.read(cid)).isEqualTo(modelBytes);

    assertThat(get("/ipfs/" + Cid.of(new byte[] {7})).statusCode()).isEqualTo(404);
    HttpResponse<String> malformed = get("/ipfs/not-a-cid");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(malformed.body()).path("error").path("code").asText())
        .isEqualTo("INVALID_CID");
  }

  @Test
  void aNodeWithoutTheUnpaidSwitchAsksForPayment() throws Exception {
    try (NodeServer paidOnly =
        new NodeServer(
            engine, store, PaymentGate.refuseAll(), NodeServer.Options.loopback(), app -> {})) {
      HttpResponse<String> response =
          PinnedHttp.to(paidOnly)
              .send(
                  HttpRequest.newBuilder(
                          URI.create(paidOnly.baseUrl() + "/v2/models/doubler/infer"))
                      .header("Content-Type", "application/json")
                      .POST(
                          HttpRequest.BodyPublishers.ofString(
                              "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(402);
      assertThat(JSON.readTree(response.body()).path("error").path("code").asText())
          .isEqualTo("PAYMENT_REQUIRED");
    }
  }
}
