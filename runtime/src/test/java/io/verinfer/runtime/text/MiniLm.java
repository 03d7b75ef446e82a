package io.verinfer.runtime.text;

import ai.onnxruntime.OrtEnvironment;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.Tensor;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.ModelManifest;
import io.verinfer.runtime.ModelSpec;
import io.verinfer.runtime.onnx.OnnxInferenceEngine;
import io.verinfer.runtime.packs.minilm.MiniLmPack;
import io.verinfer.runtime.store.LocalModelStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/** Test fixture: the minilm-embed pack in a temp model store, served by a real engine. */
final class MiniLm implements AutoCloseable {
  final Path packDir;
  final Cid cid;
  final OnnxInferenceEngine engine;
  final TextTokenizer tokenizer;
  final EmbeddingService service;

  private MiniLm(Path dir) throws IOException {
    packDir = MiniLmPack.write(dir.resolve("packs"));
    LocalModelStore store = new LocalModelStore(dir.resolve("store"));
    cid = store.putFile(packDir.resolve(MiniLmPack.MODEL_FILE), n -> {});
    ortEnvironment();
    engine =
        new OnnxInferenceEngine(
            store, EngineConfig.defaults().withBatching(32, Duration.ofMillis(5)));
    try {
      engine.deploy(ModelSpec.of(ModelManifest.read(packDir), cid));
      tokenizer =
          TextTokenizer.open(packDir.resolve(MiniLmPack.TOKENIZER_FILE), MiniLmPack.TOKEN_LIMIT);
    } catch (RuntimeException e) {
      engine.close();
      throw e;
    }
    service = new EmbeddingService(engine, MiniLmPack.NAME, tokenizer);
  }

  static MiniLm start(Path dir) throws IOException {
    return new MiniLm(dir);
  }

  /**
   * Creates ONNX Runtime's environment on a thread with a 16 MiB stack: its first creation recurses
   * deeply in native code and can overflow a default thread stack (see runtime/packs/README.md).
   * Later calls return the same environment without recursing.
   */
  static OrtEnvironment ortEnvironment() {
    FutureTask<OrtEnvironment> init = new FutureTask<>(OrtEnvironment::getEnvironment);
    Thread thread = new Thread(null, init, "ort-environment-init", 16L << 20);
    thread.start();
    try {
      return init.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  static Tensor asTensor(float[] vector) {
    return Tensor.ofFloats("embedding", new long[] {1, vector.length}, vector);
  }

  static double cosine(float[] a, float[] b) {
    double dot = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
    }
    return dot;
  }

  static double maxAbsDiff(float[] a, float[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  @Override
  public void close() {
    tokenizer.close();
    engine.close();
  }
}
