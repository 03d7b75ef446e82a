package io.verinfer.node.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.verinfer.node.payment.TextPaymentRules;
import io.verinfer.runtime.ModelSpec;
import io.verinfer.runtime.textgen.TextModel;

/**
 * {@code GET /v1/models} in the OpenAI list shape: the text models (with their context length and,
 * on a paid node, their on-chain id and token prices under {@code verinfer}) and the other models
 * the node serves (with their task).
 */
public final class ModelsEndpoint implements Handler {
  private final TextCatalog text;
  private final ModelCatalog others;
  private final TextPaymentRules rules; // null: unpaid
  private final String owner;

  public ModelsEndpoint(
      TextCatalog text, ModelCatalog others, TextPaymentRules rules, String owner) {
    this.text = text;
    this.others = others;
    this.rules = rules;
    this.owner = owner;
  }

  @Override
  public void handle(Context ctx) {
    ObjectNode body = JsonBody.JSON.createObjectNode();
    body.put("object", "list");
    ArrayNode data = body.putArray("data");
    for (TextModel m : text.models()) {
      ObjectNode v = entry(data, m.name());
      v.put("task", "text-generation");
      v.put("context_length", m.contextLength());
      v.put("cid", m.cid().toString());
      if (rules != null) {
        rules
            .offer(m.name())
            .ifPresent(
                o -> {
                  v.put("model_id", o.modelId().value());
                  ObjectNode prices = v.putObject("prices");
                  prices.put("input", o.price().input().toString());
                  prices.put("output", o.price().output().toString());
                });
      }
    }
    for (ModelSpec spec : others.engine().models()) {
      ObjectNode v = entry(data, spec.name());
      v.put("cid", spec.cid().toString());
    }
    ctx.contentType("application/json").result(body.toString());
  }

  private ObjectNode entry(ArrayNode data, String name) {
    ObjectNode e = data.addObject();
    e.put("id", name);
    e.put("object", "model");
    e.put("created", 0);
    e.put("owned_by", owner);
    return e.putObject("verinfer");
  }
}
