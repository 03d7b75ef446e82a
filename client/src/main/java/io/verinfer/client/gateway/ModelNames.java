package io.verinfer.client.gateway;

import io.verinfer.protocol.ModelId;
import java.util.Map;
import java.util.TreeMap;

/** Model names the gateway accepts: configured names, or on-chain ids written as numbers. */
final class ModelNames {
  private final Map<String, ModelId> names;

  ModelNames(Map<String, ModelId> names) {
    this.names = new TreeMap<>(names);
  }

  Map<String, ModelId> all() {
    return names;
  }

  ModelId resolve(String name, String field) {
    if (name == null || name.isBlank()) {
      throw new GatewayError(
          400,
          "MALFORMED_REQUEST",
          field,
          "'" + field + "' must name a model, e.g. one of " + names.keySet());
    }
    ModelId id = names.get(name);
    if (id != null) {
      return id;
    }
    if (name.matches("[1-9][0-9]{0,17}")) {
      return ModelId.of(Long.parseLong(name));
    }
    throw new GatewayError(
        404,
        "UNKNOWN_MODEL",
        field,
        "no model named '" + name + "'; known: " + names.keySet() + " or an on-chain model id");
  }

  String nameOf(ModelId id) {
    return names.entrySet().stream()
        .filter(e -> e.getValue().equals(id))
        .map(Map.Entry::getKey)
        .findFirst()
        .orElse(Long.toString(id.value()));
  }
}
