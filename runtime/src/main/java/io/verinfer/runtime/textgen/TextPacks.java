package io.verinfer.runtime.textgen;

import io.verinfer.protocol.DataType;
import io.verinfer.protocol.ModelSchema;
import io.verinfer.protocol.TensorSpec;
import io.verinfer.runtime.ModelManifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Text-generation model packs. A pack directory holds:
 *
 * <ul>
 *   <li>{@code manifest.json}: a {@link ModelManifest} with task {@value #TASK}, {@code model:
 *       model.onnx}, {@code tokenizer: tokenizer.json}, tolerance 0 (tokens agree exactly or not at
 *       all), and the graph's main tensors as its schema (for people and the registry's schema
 *       hash; generation requests are validated by the {@link TextGenerator}, not the schema);
 *   <li>{@code generation.json}: {@link GenerationSettings} (context length, chat template, end
 *       tokens);
 *   <li>{@code model.onnx}: a decoder with past key values in the Hugging Face Optimum layout (see
 *       {@link DecoderExporter}); any such decoder loads, its layers, heads and head width read
 *       from the graph;
 *   <li>{@code tokenizer.json}: the Hugging Face tokenizer.
 * </ul>
 */
public final class TextPacks {
  public static final String TASK = "text-generation";
  public static final String MODEL_FILE = "model.onnx";
  public static final String TOKENIZER_FILE = "tokenizer.json";

  private TextPacks() {}

  /** Who and what a pack is, for its manifest. */
  public record Description(String name, String description, String license, String royaltyBps) {}

  /**
   * Exports {@code weights} to {@code dir/model.onnx}, copies the tokenizer and writes the manifest
   * and {@code generation.json} (ChatML, context length from the weights). The same inputs give the
   * same files. Returns {@code dir}.
   */
  public static Path writePack(
      DecoderWeights weights, Path tokenizerJson, Path dir, Description about) {
    DecoderConfig c = weights.config;
    try {
      Files.createDirectories(dir);
      Files.write(dir.resolve(MODEL_FILE), DecoderExporter.export(weights, about.name()));
      Files.copy(tokenizerJson, dir.resolve(TOKENIZER_FILE), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write text pack " + about.name() + " in " + dir, e);
    }
    new ModelManifest(
            about.name(),
            TASK,
            about.description(),
            MODEL_FILE,
            schema(c),
            TOKENIZER_FILE,
            0,
            about.license(),
            about.royaltyBps(),
            Map.of(
                "parameters", c.parameterCount(),
                "layers", c.layers(),
                "heads", c.heads(),
                "width", c.width(),
                "vocabSize", c.vocabSize()))
        .write(dir);
    GenerationSettings.chatml(c.contextLength()).write(dir);
    return dir;
  }

  /** The graph's inputs and outputs as a {@link ModelSchema} (-1 = dynamic). */
  static ModelSchema schema(DecoderConfig c) {
    List<TensorSpec> in = new ArrayList<>();
    in.add(new TensorSpec(DecoderExporter.INPUT_IDS, DataType.INT64, List.of(-1L, -1L)));
    in.add(new TensorSpec(DecoderExporter.ATTENTION_MASK, DataType.INT64, List.of(-1L, -1L)));
    in.add(new TensorSpec(DecoderExporter.POSITION_IDS, DataType.INT64, List.of(-1L, -1L)));
    List<TensorSpec> out = new ArrayList<>();
    out.add(
        new TensorSpec(
            DecoderExporter.LOGITS, DataType.FP32, List.of(-1L, -1L, (long) c.vocabSize())));
    List<Long> cache = List.of(-1L, (long) c.heads(), -1L, (long) c.headWidth());
    for (int i = 0; i < c.layers(); i++) {
      in.add(new TensorSpec(DecoderExporter.pastKey(i), DataType.FP32, cache));
      in.add(new TensorSpec(DecoderExporter.pastValue(i), DataType.FP32, cache));
      out.add(new TensorSpec(DecoderExporter.presentKey(i), DataType.FP32, cache));
      out.add(new TensorSpec(DecoderExporter.presentValue(i), DataType.FP32, cache));
    }
    long maxBytes =
        8L * 3 * c.contextLength() + 4L * 2 * c.layers() * c.contextLength() * c.width();
    return new ModelSchema(in, out, maxBytes);
  }
}
