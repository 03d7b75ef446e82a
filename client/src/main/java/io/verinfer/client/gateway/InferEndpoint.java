package io.verinfer.client.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.verinfer.client.InferenceResult;
import io.verinfer.client.Routing;
import io.verinfer.client.V2Json;
import io.verinfer.client.VerinferClient;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Tensor;
import java.util.List;

/** {@code POST /v2/models/{model}/infer}: Open Inference Protocol, paid through the SDK. */
final class InferEndpoint implements Handler {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final VerinferClient client;
  private final ModelNames models;
  private final Routing routing;

  InferEndpoint(VerinferClient client, ModelNames models, Routing routing) {
    this.client = client;
    this.models = models;
    this.routing = routing;
  }

  @Override
  public void handle(Context ctx) {
    ModelId id = models.resolve(ctx.pathParam("model"), "model");
    JsonNode body = Bodies.json(ctx);
    List<Tensor> inputs;
    try {
      inputs = V2Json.inputs(body);
    } catch (IllegalArgumentException e) {
      throw new GatewayError(400, "MALFORMED_REQUEST", "inputs", e.getMessage());
    }
    InferenceResult result =
        client.infer(
            id,
            inputs,
            Bodies.routing(ctx, routing),
            Bodies.verification(ctx, client.options().verification()));
    ObjectNode response = JSON.createObjectNode();
    response.put("model_name", models.nameOf(id));
    response.put("model_version", "1");
    if (body.hasNonNull("id")) {
      response.set("id", body.get("id"));
    }
    V2Json.putTensors(response, "outputs", result.outputs());
    ObjectNode parameters = response.putObject("parameters");
    parameters.put("provider", result.provider().value());
    parameters.put("input_hash", CanonicalTensors.hash(inputs).hex());
    parameters.put("output_hash", CanonicalTensors.hash(result.outputs()).hex());
    parameters.put("latency_ms", result.latency().toMillis());
    Bodies.stamp(ctx, result);
    ctx.contentType("application/json").result(response.toString());
  }
}
