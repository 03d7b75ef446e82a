package io.verinfer.node.disputes;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.node.api.EmbeddingsEndpoint;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.VerinferException;
import io.verinfer.protocol.text.ContractPrompt;
import io.verinfer.protocol.text.TextRequest;
import io.verinfer.runtime.InferenceEngine;
import io.verinfer.runtime.text.EmbeddingService;
import io.verinfer.runtime.textgen.TextGenerator;
import io.verinfer.runtime.textgen.TextRuns;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Re-runs a disputed call on this node's own copy of the model, the way the node's endpoints run
 * it: an input in the canonical tensor encoding ({@code "VTN1"…}) goes to the engine as those
 * tensors ({@code /v2/models/{id}/infer}); any other input must be a JSON array of texts and goes
 * to the model's embedding pipeline ({@code /v1/embeddings}), whose output is the {@code
 * embeddings} tensor [texts, dims] a receipt hashes. The model is the node's served model with the
 * dispute's on-chain id; its bytes are the ones the node verified by CID when it loaded the pack.
 */
public final class Reexecutor {
  private static final byte[] MAGIC = {'V', 'T', 'N', '1'};
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final InferenceEngine engine;
  private final Map<String, EmbeddingService> embedders;
  private final Function<ModelId, Optional<String>> servedName;
  private final Optional<TextGenerator> texts;

  /**
   * @param embedders the text pipeline of each served embedding model, by served name
   * @param servedName the served name of an on-chain model id, if this node serves it
   */
  public Reexecutor(
      InferenceEngine engine,
      Map<String, EmbeddingService> embedders,
      Function<ModelId, Optional<String>> servedName) {
    this(engine, embedders, servedName, Optional.empty());
  }

  /**
   * @param texts the node's text generator when it serves text models: a committed {@link
   *     TextRequest} ({@code "VTG1"}) is re-run to its end, a contract's {@link ContractPrompt}
   *     ({@code "VTC1"}) greedily, as the stream endpoints and the request watcher run them
   */
  public Reexecutor(
      InferenceEngine engine,
      Map<String, EmbeddingService> embedders,
      Function<ModelId, Optional<String>> servedName,
      Optional<TextGenerator> texts) {
    this.engine = engine;
    this.embedders = Map.copyOf(embedders);
    this.servedName = servedName;
    this.texts = Objects.requireNonNull(texts, "texts");
  }

  public Reexecution rerun(ModelId model, byte[] input) {
    Optional<String> name = servedName.apply(model);
    if (name.isEmpty()) {
      return new Reexecution.CannotJudge(
          "this node does not serve model " + model.value() + ", so it cannot re-execute it",
          false);
    }
    Optional<TextGenerator> text = texts.filter(t -> t.model(name.get()).isPresent());
    if (text.isPresent()) {
      return rerunText(text.get(), name.get(), input);
    }
    if (input.length >= MAGIC.length && Arrays.equals(input, 0, MAGIC.length, MAGIC, 0, 4)) {
      List<Tensor> tensors;
      try {
        tensors = CanonicalTensors.decode(input);
      } catch (IllegalArgumentException e) {
        return new Reexecution.Refused("the input " + e.getMessage());
      }
      return run(() -> engine.infer(name.get(), tensors));
    }
    List<String> texts;
    try {
      texts = texts(input);
    } catch (IllegalArgumentException e) {
      return new Reexecution.Refused(
          "the input is neither canonical tensors nor a JSON array of texts: " + e.getMessage());
    }
    EmbeddingService embedder = embedders.get(name.get());
    if (embedder == null) {
      return new Reexecution.Refused(
          "the input is texts, and " + name.get() + " is not an embedding model");
    }
    return run(() -> List.of(embedder.embed(texts).toTensor("embeddings")));
  }

  private static Reexecution rerunText(TextGenerator generator, String name, byte[] input) {
    try {
      if (ContractPrompt.looksLike(input)) {
        ContractPrompt prompt = ContractPrompt.decode(input);
        return textRun(() -> new Reexecution.Exact(TextRuns.complete(generator, name, prompt)));
      }
      TextRequest request = TextRequest.decode(input);
      return textRun(() -> new Reexecution.Generated(TextRuns.rerun(generator, name, request)));
    } catch (IllegalArgumentException e) {
      return new Reexecution.Refused(
          name
              + " is a text model and the input is neither a text request nor a contract prompt: "
              + e.getMessage());
    }
  }

  private static Reexecution textRun(java.util.function.Supplier<Reexecution> run) {
    try {
      return run.get();
    } catch (VerinferException e) {
      int status = e.code().httpStatus();
      if (status >= 400 && status < 500 && status != 404) {
        return new Reexecution.Refused(e.code() + ": " + e.getMessage());
      }
      return new Reexecution.CannotJudge(e.code() + ": " + e.getMessage(), true);
    } catch (RuntimeException e) {
      return new Reexecution.CannotJudge("the text model failed: " + e, true);
    }
  }

  /**
   * The texts of a {@code /v1/embeddings} input: a UTF-8 JSON array of 1 to {@value
   * EmbeddingsEndpoint#MAX_INPUTS} strings (what {@link EmbeddingsEndpoint#inputBytes} writes).
   *
   * @throws IllegalArgumentException for anything else
   */
  static List<String> texts(byte[] input) {
    String text;
    try {
      text = io.verinfer.node.api.JsonBody.strictUtf8(input);
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("not UTF-8", e);
    }
    JsonNode array;
    try {
      array = JSON.readTree(text);
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON", e);
    }
    if (array == null || !array.isArray() || array.isEmpty()) {
      throw new IllegalArgumentException("not a non-empty JSON array");
    }
    if (array.size() > EmbeddingsEndpoint.MAX_INPUTS) {
      throw new IllegalArgumentException(
          array.size() + " texts, more than " + EmbeddingsEndpoint.MAX_INPUTS);
    }
    List<String> texts = new ArrayList<>(array.size());
    for (JsonNode t : array) {
      if (!t.isTextual()) {
        throw new IllegalArgumentException("element " + texts.size() + " is not a string");
      }
      texts.add(t.asText());
    }
    return texts;
  }

  private interface Run {
    List<Tensor> outputs();
  }

  private static Reexecution run(Run run) {
    try {
      return new Reexecution.Answered(run.outputs());
    } catch (VerinferException e) {
      int status = e.code().httpStatus();
      // 404: the engine lost a model this node serves, a local fault like a 5xx
      if (status >= 400 && status < 500 && status != 404) {
        return new Reexecution.Refused(e.code() + ": " + e.getMessage());
      }
      return new Reexecution.CannotJudge(e.code() + ": " + e.getMessage(), true);
    } catch (RuntimeException e) {
      return new Reexecution.CannotJudge("the model failed: " + e, true);
    }
  }
}
