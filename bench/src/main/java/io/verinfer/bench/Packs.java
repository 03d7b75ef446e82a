package io.verinfer.bench;

import io.verinfer.protocol.Cid;
import io.verinfer.runtime.ModelManifest;
import io.verinfer.runtime.ModelSpec;
import io.verinfer.runtime.packs.DemoPacks;
import io.verinfer.runtime.store.LocalModelStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The demo packs for benchmarks, built once under bench/target/packs. */
final class Packs {
  static final Path DIR = Path.of("target", "packs");

  private Packs() {}

  static Path pack(String name) {
    DemoPacks.ensure(DIR, s -> System.err.println(s));
    return DIR.resolve(name);
  }

  static byte[] modelBytes(String name) {
    Path pack = pack(name);
    try {
      return Files.readAllBytes(ModelManifest.read(pack).modelFile(pack));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stores the pack's model and returns its spec. */
  static ModelSpec store(String name, LocalModelStore store) {
    Path pack = pack(name);
    ModelManifest manifest = ModelManifest.read(pack);
    Cid cid = store.put(modelBytes(name));
    return ModelSpec.of(manifest, cid);
  }

  /**
   * Publishes the demo pack {@code name} from dev account 14 with a royalty of 10 base units and
   * the pack's own tolerance; returns its on-chain id.
   */
  static io.verinfer.protocol.ModelId publish(
      io.verinfer.chain.Deployment deployment, String name) {
    Path pack = pack(name);
    ModelManifest manifest = ModelManifest.read(pack);
    try (io.verinfer.chain.VerinferChain author =
        io.verinfer.chain.VerinferChain.connect(
            deployment, io.verinfer.chain.devnet.DevAccounts.account(14))) {
      return author
          .models()
          .publish(
              new io.verinfer.chain.facade.ModelRegistryFacade.Publication(
                  Cid.of(modelBytes(name)),
                  "onnx",
                  manifest.schemaHash(),
                  50, // 0.5 % royalty
                  manifest.tolerancePpm()));
    }
  }

  static Path tempStore() {
    try {
      return Files.createTempDirectory("verinfer-bench-store");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
