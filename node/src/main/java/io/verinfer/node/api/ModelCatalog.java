package io.verinfer.node.api;

import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.VerinferException;
import io.verinfer.runtime.InferenceEngine;
import io.verinfer.runtime.ModelSpec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves the model named in a request: a served name ({@code fraud-detect}) or an alias, such as
 * the model's on-chain id ({@code 3}), which is how paying clients address it.
 */
public final class ModelCatalog {
  private final InferenceEngine engine;
  private final Map<String, String> aliases = new ConcurrentHashMap<>();

  public ModelCatalog(InferenceEngine engine) {
    this.engine = engine;
  }

  public InferenceEngine engine() {
    return engine;
  }

  /** Lets {@code alias} name the served model {@code name}. */
  public void alias(String alias, String name) {
    aliases.put(alias, name);
  }

  public ModelSpec served(String id) {
    String name = engine.model(id).isPresent() ? id : aliases.getOrDefault(id, id);
    return engine
        .model(name)
        .orElseThrow(
            () ->
                new VerinferException(
                    ErrorCode.UNKNOWN_MODEL,
                    "model",
                    "no model named '" + id + "' is served here"));
  }
}
