package io.verinfer.node.disputes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.node.NodeApiTest;
import io.verinfer.node.api.EmbeddingsEndpoint;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Tensor;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.ModelManifest;
import io.verinfer.runtime.ModelSpec;
import io.verinfer.runtime.onnx.OnnxInferenceEngine;
import io.verinfer.runtime.packs.minilm.MiniLmPack;
import io.verinfer.runtime.store.LocalModelStore;
import io.verinfer.runtime.text.EmbeddingService;
import io.verinfer.runtime.text.TextTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Re-execution of disputed inputs on a real ONNX Runtime engine: tensors through the engine, texts
 * through the embedding pipeline, and every input no honest node answers refused.
 */
class ReexecutorTest {
  @TempDir static Path dir;
  private static final ModelId DOUBLER = ModelId.of(3);
  private static final ModelId MINILM = ModelId.of(4);
  private static final ModelId ELSEWHERE = ModelId.of(5);
  private static OnnxInferenceEngine engine;
  private static TextTokenizer tokenizer;
  private static EmbeddingService embedder;
  private static Reexecutor reexecutor;

  @BeforeAll
  static void start() {
    LocalModelStore store = new LocalModelStore(dir.resolve("store"));
    engine = new OnnxInferenceEngine(store, EngineConfig.defaults());
    engine.deploy(NodeApiTest.doublerSpec(store.put(NodeApiTest.doubler())));
    Path pack = MiniLmPack.write(dir.resolve("packs"));
    ModelManifest manifest = ModelManifest.read(pack);
    try {
      Cid cid = store.putFile(manifest.modelFile(pack), n -> {});
      engine.deploy(ModelSpec.of(manifest, cid));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    tokenizer = TextTokenizer.open(pack.resolve(manifest.tokenizer()), MiniLmPack.TOKEN_LIMIT);
    embedder = new EmbeddingService(engine, MiniLmPack.NAME, tokenizer);
    Map<ModelId, String> served = Map.of(DOUBLER, "doubler", MINILM, MiniLmPack.NAME);
    reexecutor =
        new Reexecutor(
            engine, Map.of(MiniLmPack.NAME, embedder), id -> Optional.ofNullable(served.get(id)));
  }

  @AfterAll
  static void stop() {
    tokenizer.close();
    engine.close();
  }

  private static byte[] x(long rows, long cols, float... values) {
    return CanonicalTensors.encode(List.of(Tensor.ofFloats("x", new long[] {rows, cols}, values)));
  }

  @Test
  void aTensorInputRunsOnTheEngine() {
    Reexecution r = reexecutor.rerun(DOUBLER, x(1, 3, 1, 2, 3));
    assertThat(r)
        .isEqualTo(
            new Reexecution.Answered(
                List.of(Tensor.ofFloats("y", new long[] {1, 3}, new float[] {3, 5, 7}))));
  }

  @Test
  void aTextInputRunsThroughTheEmbeddingPipelineAsTheEndpointDoes() {
    List<String> texts = List.of("A man is playing a guitar.", "committee duty");
    Reexecution r = reexecutor.rerun(MINILM, EmbeddingsEndpoint.inputBytes(texts));
    // what /v1/embeddings hashes into its receipt for the same texts (within the pack's tolerance:
    // concurrent texts may stack differently in the micro-batcher from one run to the next)
    assertThat(r).isInstanceOf(Reexecution.Answered.class);
    List<Tensor> outputs = ((Reexecution.Answered) r).outputs();
    assertThat(outputs)
        .singleElement()
        .satisfies(t -> assertThat(t.name()).isEqualTo("embeddings"));
    assertThat(outputs.get(0).shape()).containsExactly(2, MiniLmPack.DIMENSIONS);
    assertThat(
            io.verinfer.protocol.OutputComparator.agree(
                outputs,
                List.of(embedder.embed(texts).toTensor("embeddings")),
                MiniLmPack.TOLERANCE_PPM))
        .isTrue();
  }

  @Test
  void aModelThisNodeDoesNotServeCannotBeJudged() {
    assertThat(reexecutor.rerun(ELSEWHERE, x(1, 3, 1, 2, 3)))
        .isEqualTo(
            new Reexecution.CannotJudge(
                "this node does not serve model 5, so it cannot re-execute it", false));
  }

  @Test
  void inputsNoHonestNodeAnswersAreRefused() {
    byte[] trailing = Arrays.copyOf(x(1, 3, 1, 2, 3), x(1, 3, 1, 2, 3).length + 1);
    assertRefused(reexecutor.rerun(DOUBLER, trailing), "not a canonical tensor encoding");
    assertRefused(reexecutor.rerun(DOUBLER, x(1, 4, 1, 2, 3, 4)), "WRONG_SHAPE");
    byte[] otherName =
        CanonicalTensors.encode(
            List.of(Tensor.ofFloats("z", new long[] {1, 3}, new float[] {1, 2, 3})));
    assertRefused(reexecutor.rerun(DOUBLER, otherName), "x");
    byte[] tooBig = x(20, 3, new float[60]); // 240 bytes, the schema allows 120
    assertRefused(reexecutor.rerun(DOUBLER, tooBig), "INPUT_TOO_LARGE");
    assertRefused(
        reexecutor.rerun(DOUBLER, EmbeddingsEndpoint.inputBytes(List.of("hi"))),
        "not an embedding model");
    assertRefused(reexecutor.rerun(MINILM, utf8("{\"input\":\"hi\"}")), "neither");
    assertRefused(reexecutor.rerun(MINILM, new byte[0]), "neither");
  }

  private static void assertRefused(Reexecution r, String why) {
    assertThat(r).isInstanceOf(Reexecution.Refused.class);
    assertThat(((Reexecution.Refused) r).reason()).contains(why);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Property
  void theTextsOfAnEmbeddingsInputAreReadBack(@ForAll @Size(min = 1, max = 8) List<String> texts) {
    assertThat(Reexecutor.texts(EmbeddingsEndpoint.inputBytes(texts))).isEqualTo(texts);
  }

  @Test
  void onlyAJsonArrayOfOneToMaxInputsStringsIsTexts() {
    assertThat(Reexecutor.texts(utf8("[\"a\", \"b\"]"))).containsExactly("a", "b");
    for (String bad :
        List.of("[]", "\"a\"", "[1]", "[\"a\", null]", "[\"a\"] [\"b\"]", "{}", "", "[\"a\"")) {
      assertThatThrownBy(() -> Reexecutor.texts(utf8(bad)))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> Reexecutor.texts(new byte[] {'[', '"', (byte) 0xff, '"', ']'}))
        .hasMessageContaining("UTF-8");
    byte[] tooMany =
        EmbeddingsEndpoint.inputBytes(Collections.nCopies(EmbeddingsEndpoint.MAX_INPUTS + 1, "t"));
    assertThatThrownBy(() -> Reexecutor.texts(tooMany)).hasMessageContaining("more than");
  }
}
