package io.verinfer.runtime.text;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.DataType;
import io.verinfer.protocol.ModelSchema;
import io.verinfer.protocol.TensorSpec;
import io.verinfer.runtime.ModelManifest;
import io.verinfer.runtime.packs.minilm.MiniLmPack;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The minilm-embed pack: unmodified bytes, a stable CID, a schema that is the graph's. */
class MiniLmPackTest {

  @Test
  void writesTheJarsBytesUnchangedAndIdenticallyTwice(@TempDir Path a, @TempDir Path b)
      throws IOException {
    Path first = MiniLmPack.write(a);
    Path second = MiniLmPack.write(b);
    assertThat(first).isEqualTo(a.resolve("minilm-embed"));
    byte[] original;
    try (InputStream in = MiniLmPack.openModel()) {
      original = in.readAllBytes();
    }
    byte[] model = Files.readAllBytes(first.resolve(MiniLmPack.MODEL_FILE));
    assertThat(model).isEqualTo(original);
    Cid cid = Cid.of(model);
    System.out.println("minilm-embed model.onnx: " + model.length + " bytes, CID " + cid);
    for (String file :
        List.of(MiniLmPack.MODEL_FILE, MiniLmPack.TOKENIZER_FILE, ModelManifest.FILE)) {
      assertThat(Files.readAllBytes(second.resolve(file)))
          .as(file)
          .isEqualTo(Files.readAllBytes(first.resolve(file)));
    }
    // Writing over an existing pack leaves the same bytes.
    MiniLmPack.write(a);
    assertThat(Cid.of(Files.readAllBytes(first.resolve(MiniLmPack.MODEL_FILE)))).isEqualTo(cid);
  }

  @Test
  void manifestRoundTripsAndDescribesAnEmbeddingModel(@TempDir Path dir) {
    ModelManifest manifest = ModelManifest.read(MiniLmPack.write(dir));
    assertThat(manifest).isEqualTo(MiniLmPack.manifest());
    assertThat(manifest.name()).isEqualTo("minilm-embed");
    assertThat(manifest.task()).isEqualTo("embedding");
    assertThat(manifest.tokenizer()).isEqualTo("tokenizer.json");
    assertThat(manifest.license()).isEqualTo("Apache-2.0");
    assertThat(manifest.schema().batchable()).isTrue();
  }

  @Test
  void declaredSchemaIsTheGraphsOwn(@TempDir Path dir) throws OrtException {
    Path model = MiniLmPack.write(dir).resolve(MiniLmPack.MODEL_FILE);
    OrtEnvironment env = MiniLm.ortEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = env.createSession(model.toString(), options)) {
      ModelSchema declared = MiniLmPack.schema();
      assertThat(specs(session.getInputInfo()))
          .containsExactlyInAnyOrderElementsOf(declared.inputs());
      assertThat(specs(session.getOutputInfo()))
          .containsExactlyInAnyOrderElementsOf(declared.outputs());
    }
  }

  private static List<TensorSpec> specs(Map<String, NodeInfo> nodes) {
    List<TensorSpec> out = new ArrayList<>();
    for (NodeInfo node : nodes.values()) {
      TensorInfo info = (TensorInfo) node.getInfo();
      DataType type =
          switch (info.type) {
            case INT64 -> DataType.INT64;
            case FLOAT -> DataType.FP32;
            default -> throw new AssertionError(node.getName() + " is " + info.type);
          };
      List<Long> shape = new ArrayList<>();
      for (long d : info.getShape()) {
        shape.add(d);
      }
      out.add(new TensorSpec(node.getName(), type, shape));
    }
    return out;
  }
}
