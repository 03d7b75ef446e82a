package io.verinfer.runtime;

import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.VerinferException;
import java.util.List;
import java.util.Optional;

/**
 * Runs models. Implementations validate every request against the model's schema before the runtime
 * sees it and throw {@link VerinferException} (with an error code and the offending field) for
 * anything that does not fit. Safe for concurrent callers.
 */
public interface InferenceEngine extends AutoCloseable {
  /** Makes a model servable; its bytes must already be in the model store. */
  void deploy(ModelSpec spec);

  Optional<ModelSpec> model(String name);

  List<ModelSpec> models();

  /** Whether the model is deployed and its session can run now. */
  boolean isReady(String name);

  /** Validates {@code inputs} against the model's schema, runs it, returns the outputs. */
  List<Tensor> infer(String model, List<Tensor> inputs);

  /** Which execution provider runs the models (e.g. "CPU"), and why if a GPU was asked for. */
  String executionProvider();

  @Override
  void close();
}
