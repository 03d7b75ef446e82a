package io.verinfer.acceptance;

import io.verinfer.adapter.Canary;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Tensor;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.ModelManifest;
import io.verinfer.runtime.ModelSpec;
import io.verinfer.runtime.onnx.OnnxInferenceEngine;
import io.verinfer.runtime.store.LocalModelStore;
import java.nio.file.Path;
import java.util.List;

/** The fraud-detect canary an adapter's operator makes: run the model it fetched by CID once. */
final class Canaries {
  private Canaries() {}

  static Canary fraudDetect(ModelId model, Path storeDir) throws Exception {
    List<Tensor> input = List.of(Marketplace.features(4));
    Path pack = Marketplace.pack();
    ModelManifest manifest = ModelManifest.read(pack);
    LocalModelStore store = new LocalModelStore(storeDir);
    try (OnnxInferenceEngine engine = new OnnxInferenceEngine(store, EngineConfig.defaults())) {
      Cid cid = store.putFile(manifest.modelFile(pack), n -> {});
      engine.deploy(ModelSpec.of(manifest, cid));
      return new Canary(model, input, engine.infer(manifest.name(), input), 1_000);
    }
  }
}
