package io.verinfer.runtime.textgen;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.verinfer.protocol.ModelSchema;
import io.verinfer.protocol.TensorSpec;
import io.verinfer.runtime.ModelManifest;
import io.verinfer.runtime.onnx.OrtEnv;
import io.verinfer.runtime.onnx.OrtTensors;
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
   * and {@code generation.json} (ChatML, its end tokens, the weights' context length). The same
   * inputs give the same files. Returns {@code dir}.
   */
  public static Path writePack(
      DecoderWeights weights, Path tokenizerJson, Path dir, Description about) {
    return writePack(
        DecoderExporter.export(weights, about.name()),
        tokenizerJson,
        dir,
        about,
        GenerationSettings.chatml(weights.config.contextLength()));
  }

  /**
   * Packs any ONNX decoder with past key values in the Optimum layout (e.g. GPT-2 exported by
   * Optimum, with its own {@code tokenizer.json}): the graph is checked the way {@link
   * OnnxTextGenerator#deploy} checks it, and its inputs and outputs become the manifest's schema.
   */
  public static Path writePack(
      byte[] onnx, Path tokenizerJson, Path dir, Description about, GenerationSettings settings) {
    ModelSchema schema = schemaOf(about.name(), onnx, settings.contextLength());
    try {
      Files.createDirectories(dir);
      Files.write(dir.resolve(MODEL_FILE), onnx);
      Files.copy(tokenizerJson, dir.resolve(TOKENIZER_FILE), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write text pack " + about.name() + " in " + dir, e);
    }
    new ModelManifest(
            about.name(),
            TASK,
            about.description(),
            MODEL_FILE,
            schema,
            TOKENIZER_FILE,
            0,
            about.license(),
            about.royaltyBps(),
            Map.of())
        .write(dir);
    settings.write(dir);
    return dir;
  }

  /**
   * The graph's inputs and outputs as a {@link ModelSchema} (-1 = dynamic), read from an ONNX
   * Runtime session; the byte limit is what a full context's inputs hold.
   */
  static ModelSchema schemaOf(String name, byte[] onnx, int contextLength) {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = OrtEnv.environment().createSession(onnx, options)) {
      DecoderGraph graph = DecoderGraph.inspect(name, session);
      List<TensorSpec> in = specs(session.getInputInfo());
      List<TensorSpec> out = specs(session.getOutputInfo());
      long c = contextLength;
      long maxBytes = 8 * 3 * c + 4L * 2 * graph.layers * graph.heads * c * graph.headWidth + 1;
      return new ModelSchema(in, out, maxBytes);
    } catch (OrtException e) {
      throw new IllegalArgumentException(name + ": ONNX Runtime cannot load the decoder", e);
    }
  }

  private static List<TensorSpec> specs(Map<String, NodeInfo> infos) {
    List<TensorSpec> specs = new ArrayList<>();
    for (Map.Entry<String, NodeInfo> e : infos.entrySet()) {
      TensorInfo t = (TensorInfo) e.getValue().getInfo();
      List<Long> shape = new ArrayList<>();
      for (long d : t.getShape()) {
        shape.add(d);
      }
      specs.add(new TensorSpec(e.getKey(), OrtTensors.dataType(t.type, e.getKey()), shape));
    }
    return specs;
  }
}
