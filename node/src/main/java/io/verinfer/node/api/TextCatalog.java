package io.verinfer.node.api;

import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.VerinferException;
import io.verinfer.runtime.textgen.TextGenerator;
import io.verinfer.runtime.textgen.TextModel;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves the text model a request names: a served name or an alias such as the model's on-chain
 * id. A name the tensor engine serves instead is {@code UNSUPPORTED_TASK}; anything else {@code
 * UNKNOWN_MODEL} (404).
 */
public final class TextCatalog {
  private final TextGenerator generator;
  private final ModelCatalog others;
  private final Map<String, String> aliases = new ConcurrentHashMap<>();

  public TextCatalog(TextGenerator generator, ModelCatalog others) {
    this.generator = generator;
    this.others = others;
  }

  /** A catalog serving no text model. */
  public static TextCatalog none(ModelCatalog others) {
    return new TextCatalog(null, others);
  }

  public Optional<TextGenerator> generator() {
    return Optional.ofNullable(generator);
  }

  public void alias(String alias, String name) {
    aliases.put(alias, name);
  }

  public List<TextModel> models() {
    return generator == null ? List.of() : generator.models();
  }

  /** The served text model {@code id} names (a name or an alias). */
  public TextModel served(String id) {
    if (generator != null) {
      Optional<TextModel> model = generator.model(id);
      if (model.isEmpty() && aliases.containsKey(id)) {
        model = generator.model(aliases.get(id));
      }
      if (model.isPresent()) {
        return model.get();
      }
    }
    try {
      others.served(id);
    } catch (VerinferException e) {
      throw new VerinferException(
          ErrorCode.UNKNOWN_MODEL, "model", "no text model named '" + id + "' is served here");
    }
    throw new VerinferException(
        ErrorCode.UNSUPPORTED_TASK,
        "model",
        "model '" + id + "' is not a text-generation model; see GET /v1/models");
  }
}
