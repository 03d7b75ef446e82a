package io.verinfer.runtime;

import io.verinfer.protocol.Cid;
import io.verinfer.protocol.ModelSchema;
import java.util.Objects;

/**
 * A model the engine serves under {@code name}: the CID of its ONNX bytes in the {@link
 * ModelStore}, its declared schema and its output tolerance.
 */
public record ModelSpec(String name, Cid cid, ModelSchema schema, long tolerancePpm) {
  public ModelSpec {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("model name must not be blank");
    }
    Objects.requireNonNull(cid, "cid of " + name);
    Objects.requireNonNull(schema, "schema of " + name);
    if (tolerancePpm < 0) {
      throw new IllegalArgumentException("tolerancePpm of " + name + " must be >= 0");
    }
  }

  public static ModelSpec of(ModelManifest manifest, Cid cid) {
    return new ModelSpec(manifest.name(), cid, manifest.schema(), manifest.tolerancePpm());
  }
}
