package io.verinfer.runtime;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.verinfer.protocol.ModelSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * A model pack's {@code manifest.json}: what the ONNX file beside it is, takes and gives.
 *
 * @param name short name, also the served model name (e.g. {@code minilm-embed})
 * @param task {@code embedding}, {@code classification}, {@code regression} or {@code
 *     text-generation} (see {@code textgen.TextPacks}, which adds a {@code generation.json})
 * @param model file name of the ONNX graph inside the pack (usually {@code model.onnx})
 * @param tokenizer file name of a HuggingFace {@code tokenizer.json} for text models, else null
 * @param tolerancePpm output tolerance for floating-point outputs, parts per million
 * @param royaltyBps suggested royalty, basis points of each paid call after the protocol fee, as a
 *     decimal string
 * @param metrics measured quality figures (e.g. {@code "auc": 0.93}), for people
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelManifest(
    String name,
    String task,
    String description,
    String model,
    ModelSchema schema,
    String tokenizer,
    long tolerancePpm,
    String license,
    String royaltyBps,
    Map<String, Object> metrics) {

  public static final String FILE = "manifest.json";

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public ModelManifest {
    if (name == null || !name.matches("[a-z0-9][a-z0-9._-]{0,63}")) {
      throw new IllegalArgumentException(
          "manifest name must be 1-64 chars of a-z, 0-9, '.', '_' or '-', got " + name);
    }
    Objects.requireNonNull(task, "manifest task");
    Objects.requireNonNull(model, "manifest model file");
    Objects.requireNonNull(schema, "manifest schema");
    if (tolerancePpm < 0) {
      throw new IllegalArgumentException("manifest tolerancePpm must be >= 0");
    }
    metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
  }

  /**
   * keccak256 of the schema as compact JSON with sorted keys: the {@code schemaHash} the model
   * registry records, so anyone can check a pack's schema against the chain.
   */
  public io.verinfer.protocol.Bytes32 schemaHash() {
    try {
      ObjectMapper canonical =
          com.fasterxml.jackson.databind.json.JsonMapper.builder()
              .enable(com.fasterxml.jackson.databind.MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
              .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
              .build();
      return io.verinfer.protocol.Bytes32.keccak256(canonical.writeValueAsBytes(schema));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode the schema of " + name, e);
    }
  }

  /** The ONNX file of a pack. */
  public Path modelFile(Path packDir) {
    return packDir.resolve(model);
  }

  public static ModelManifest read(Path packDir) {
    Path file = packDir.resolve(FILE);
    try {
      return JSON.readValue(file.toFile(), ModelManifest.class);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read model manifest " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes deterministic JSON (sorted map keys), so a rebuilt pack has identical bytes. */
  public void write(Path packDir) {
    try {
      Files.createDirectories(packDir);
      Files.writeString(packDir.resolve(FILE), JSON.writeValueAsString(this) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write model manifest in " + packDir, e);
    }
  }
}
