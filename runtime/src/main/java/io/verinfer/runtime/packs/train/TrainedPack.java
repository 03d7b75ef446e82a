package io.verinfer.runtime.packs.train;

import io.verinfer.protocol.Cid;
import io.verinfer.runtime.ModelManifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A trained pack held in memory: the manifest, the ONNX bytes, the Java model they were exported
 * from and the held-out rows its metrics were measured on.
 */
public record TrainedPack(ModelManifest manifest, byte[] onnx, Mlp model, Dataset heldOut) {

  public static final String MODEL_FILE = "model.onnx";

  public TrainedPack {
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(onnx, "onnx");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(heldOut, "heldOut");
  }

  public String name() {
    return manifest.name();
  }

  /** Content identifier of {@code model.onnx}. */
  public Cid cid() {
    return Cid.of(onnx);
  }

  /** Writes {@code <outputDir>/<name>/model.onnx} and {@code manifest.json}; returns the pack. */
  public Path writeTo(Path outputDir) {
    Path packDir = outputDir.resolve(name());
    try {
      Files.createDirectories(packDir);
      Files.write(packDir.resolve(manifest.model()), onnx);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + MODEL_FILE + " in " + packDir, e);
    }
    manifest.write(packDir);
    return packDir;
  }
}
