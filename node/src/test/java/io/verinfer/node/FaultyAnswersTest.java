package io.verinfer.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.node.api.ModelCatalog;
import io.verinfer.node.api.PaymentGate;
import io.verinfer.node.api.V2Codec;
import io.verinfer.node.faults.FaultInjection;
import io.verinfer.node.faults.OutputCorruptor;
import io.verinfer.node.metrics.NodeMetrics;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.Tensor;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.ModelSpec;
import io.verinfer.runtime.onnx.OnnxInferenceEngine;
import io.verinfer.runtime.store.LocalModelStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The V2 infer endpoint with fault injection, over real HTTP and ONNX Runtime: the output the
 * payment is settled with (what a receipt signs) is the output returned.
 */
class FaultyAnswersTest {
  @TempDir static Path dir;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final String REQUEST =
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}";
  private static LocalModelStore store;
  private static OnnxInferenceEngine engine;

  /** Remembers the hashes a call was settled with. */
  static final class RecordingGate implements PaymentGate {
    final AtomicReference<Bytes32> outputHash = new AtomicReference<>();

    @Override
    public Hold authorize(io.javalin.http.Context ctx, ModelSpec model) {
      return new Hold() {
        @Override
        public Map<String, String> settle(Bytes32 inputHash, Bytes32 settled) {
          outputHash.set(settled);
          return Map.of();
        }

        @Override
        public void close() {}
      };
    }
  }

  @BeforeAll
  static void start() {
    store = new LocalModelStore(dir.resolve("store"));
    Cid cid = store.put(NodeApiTest.doubler());
    engine = new OnnxInferenceEngine(store, EngineConfig.defaults());
    engine.deploy(NodeApiTest.doublerSpec(cid));
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  /** Calls the doubler on a node with {@code faults}; the settled hash and the outputs. */
  private static List<Tensor> call(OutputCorruptor faults, RecordingGate gate) throws Exception {
    try (NodeServer server =
        new NodeServer(
            new ModelCatalog(engine),
            store,
            gate,
            NodeServer.Options.loopback(),
            NodeMetrics.withoutJvm(),
            faults,
            app -> {})) {
      HttpResponse<String> response =
          PinnedHttp.to(server)
              .send(
                  HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v2/models/doubler/infer"))
                      .header("Content-Type", "application/json")
                      .POST(HttpRequest.BodyPublishers.ofString(REQUEST))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      JsonNode body = JSON.readTree(response.body());
      List<Tensor> outputs =
          V2Codec.inputs(JSON.createObjectNode().set("inputs", body.get("outputs")), 1_000);
      assertThat(gate.outputHash.get()).isEqualTo(CanonicalTensors.hash(outputs));
      assertThat(body.path("parameters").path("output_hash").asText())
          .isEqualTo(CanonicalTensors.hash(outputs).hex());
      return outputs;
    }
  }

  @Test
  void aCorruptedAnswerIsSettledWithTheHashOfWhatItReturns() throws Exception {
    OutputCorruptor faults = new OutputCorruptor(new FaultInjection(1.0, 1));
    List<Tensor> outputs = call(faults, new RecordingGate());
    assertThat(outputs.get(0).toFloats()).containsExactly(-4f, -6f, -8f); // not 3, 5, 7
    assertThat(faults.injected()).isEqualTo(1);
  }

  @Test
  void anHonestNodeAnswersTheModelsOutput() throws Exception {
    OutputCorruptor faults = new OutputCorruptor(new FaultInjection(0.0, 1));
    List<Tensor> outputs = call(faults, new RecordingGate());
    assertThat(outputs.get(0).toFloats()).containsExactly(3f, 5f, 7f);
    assertThat(faults.injected()).isZero();
  }
}
