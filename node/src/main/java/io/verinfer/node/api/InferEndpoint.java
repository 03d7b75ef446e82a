package io.verinfer.node.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.verinfer.node.faults.OutputCorruptor;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.Tensor;
import io.verinfer.runtime.ModelSpec;
import java.util.List;

/**
 * {@code POST /v2/models/{id}/infer}: Open Inference Protocol inference. The response carries the
 * canonical {@code input_hash} and {@code output_hash} (keccak256 of the canonical tensor encoding)
 * in {@code parameters}: the values a receipt signs. A node with fault injection (devnet only)
 * corrupts some outputs before they are hashed, so the receipt signs what is returned.
 */
public final class InferEndpoint implements Handler {
  private final ModelCatalog catalog;
  private final PaymentGate payment;
  private final OutputCorruptor faults;

  public InferEndpoint(ModelCatalog catalog, PaymentGate payment) {
    this(catalog, payment, OutputCorruptor.none());
  }

  public InferEndpoint(ModelCatalog catalog, PaymentGate payment, OutputCorruptor faults) {
    this.catalog = catalog;
    this.payment = payment;
    this.faults = faults;
  }

  @Override
  public void handle(Context ctx) {
    ModelSpec spec = catalog.served(ctx.pathParam("id"));
    JsonNode body = JsonBody.read(ctx);
    long maxElements = Math.max(1, spec.schema().maxInputBytes());
    List<Tensor> inputs = V2Codec.inputs(body, maxElements);
    List<Tensor> outputs;
    java.util.Map<String, String> paid;
    try (PaymentGate.Hold hold = payment.authorize(ctx, spec)) {
      outputs = faults.apply(catalog.engine().infer(spec.name(), inputs));
      paid = hold.settle(CanonicalTensors.hash(inputs), CanonicalTensors.hash(outputs));
    }
    paid.forEach(ctx::header);

    ObjectNode response = JsonBody.JSON.createObjectNode();
    response.put("model_name", spec.name());
    response.put("model_version", "1");
    if (body.hasNonNull("id")) {
      response.set("id", body.get("id"));
    }
    ArrayNode out = response.putArray("outputs");
    outputs.forEach(t -> out.add(V2Codec.output(t)));
    ObjectNode parameters = response.putObject("parameters");
    parameters.put("input_hash", CanonicalTensors.hash(inputs).hex());
    parameters.put("output_hash", CanonicalTensors.hash(outputs).hex());
    parameters.put("cid", spec.cid().toString());
    ctx.contentType("application/json").result(response.toString());
  }
}
