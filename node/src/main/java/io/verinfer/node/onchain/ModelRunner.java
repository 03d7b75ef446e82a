package io.verinfer.node.onchain;

import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.VerinferException;
import io.verinfer.protocol.text.ContractPrompt;
import io.verinfer.runtime.InferenceEngine;
import io.verinfer.runtime.textgen.TextGenerator;
import io.verinfer.runtime.textgen.TextModel;
import io.verinfer.runtime.textgen.TextRuns;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Runs an on-chain request's input on this node's own engine, the one behind {@code
 * /v2/models/{id}/infer}: the input is Verinfer's canonical tensor bytes, decoded and run on the
 * served model with the request's on-chain id; the outputs are encoded canonically. A text model's
 * input is a {@link ContractPrompt} and its output the reply's UTF-8 text ({@link
 * TextRuns#complete}).
 */
final class ModelRunner {
  /** What a run gave. */
  sealed interface Outcome {
    /** The model's outputs in the canonical tensor encoding. */
    record Output(byte[] bytes) implements Outcome {}

    /**
     * No answer will ever come: the input is not canonical tensors, or the model's schema rejects
     * it (the HTTP API would answer 4xx).
     */
    record Refused(String reason) implements Outcome {}

    /** The runtime failed in a way another try may not repeat. */
    record Failed(String reason) implements Outcome {}
  }

  private final InferenceEngine engine;
  private final Optional<TextGenerator> texts;
  private final Function<ModelId, Optional<String>> servedName;

  /**
   * @param servedName the served name of an on-chain model id, if this node serves it
   */
  ModelRunner(InferenceEngine engine, Function<ModelId, Optional<String>> servedName) {
    this(engine, Optional.empty(), servedName);
  }

  /**
   * @param texts the node's text generator, when it serves text models: a contract's {@link
   *     ContractPrompt} ({@code "VTC1"}) to one of them is answered with the reply's UTF-8 text
   * @param servedName the served name of an on-chain model id, if this node serves it
   */
  ModelRunner(
      InferenceEngine engine,
      Optional<TextGenerator> texts,
      Function<ModelId, Optional<String>> servedName) {
    this.engine = Objects.requireNonNull(engine, "engine");
    this.texts = Objects.requireNonNull(texts, "texts");
    this.servedName = Objects.requireNonNull(servedName, "servedName");
  }

  /** Whether this node serves {@code model} (offers it on-chain and has it loaded). */
  boolean serves(ModelId model) {
    Optional<String> name = servedName.apply(model);
    return name.flatMap(engine::model).isPresent() || name.flatMap(this::textModel).isPresent();
  }

  private Optional<TextModel> textModel(String name) {
    return texts.flatMap(t -> t.model(name));
  }

  Outcome run(ModelId model, byte[] input) {
    Optional<String> name = servedName.apply(model);
    if (name.isEmpty()) {
      return new Outcome.Failed("this node does not serve model " + model.value());
    }
    if (textModel(name.get()).isPresent()) {
      return complete(name.get(), input);
    }
    List<Tensor> tensors;
    try {
      tensors = CanonicalTensors.decode(input);
    } catch (IllegalArgumentException e) {
      return new Outcome.Refused("the input is not canonical tensors: " + e.getMessage());
    }
    try {
      return new Outcome.Output(CanonicalTensors.encode(engine.infer(name.get(), tensors)));
    } catch (VerinferException e) {
      int status = e.code().httpStatus();
      // 404: the engine lost a model this node serves, a local fault like a 5xx
      if (status >= 400 && status < 500 && status != 404) {
        return new Outcome.Refused(e.code() + ": " + e.getMessage());
      }
      return new Outcome.Failed(e.code() + ": " + e.getMessage());
    } catch (RuntimeException e) {
      return new Outcome.Failed("the model failed: " + e);
    }
  }

  private Outcome complete(String name, byte[] input) {
    ContractPrompt prompt;
    try {
      prompt = ContractPrompt.decode(input);
    } catch (IllegalArgumentException e) {
      return new Outcome.Refused(
          name + " is a text model and the input is not a contract prompt: " + e.getMessage());
    }
    try {
      return new Outcome.Output(TextRuns.complete(texts.orElseThrow(), name, prompt));
    } catch (VerinferException e) {
      int status = e.code().httpStatus();
      if (status >= 400 && status < 500 && status != 404) {
        return new Outcome.Refused(e.code() + ": " + e.getMessage());
      }
      return new Outcome.Failed(e.code() + ": " + e.getMessage());
    } catch (RuntimeException e) {
      return new Outcome.Failed("the text model failed: " + e);
    }
  }
}
