package io.verinfer.node.api;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.verinfer.protocol.TensorSpec;
import io.verinfer.runtime.ModelSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /v2/models/{id}}: the Open Inference Protocol model metadata. */
public final class ModelMetadataEndpoint implements Handler {
  private final ModelCatalog catalog;

  public ModelMetadataEndpoint(ModelCatalog catalog) {
    this.catalog = catalog;
  }

  @Override
  public void handle(Context ctx) {
    ModelSpec spec = catalog.served(ctx.pathParam("id"));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", spec.name());
    body.put("versions", List.of("1"));
    body.put("platform", "onnxruntime_onnx");
    body.put("inputs", specs(spec.schema().inputs()));
    body.put("outputs", specs(spec.schema().outputs()));
    body.put(
        "parameters",
        Map.of(
            "cid", spec.cid().toString(),
            "tolerance_ppm", spec.tolerancePpm(),
            "max_input_bytes", spec.schema().maxInputBytes(),
            "batchable", spec.schema().batchable()));
    ctx.json(body);
  }

  private static List<Map<String, Object>> specs(List<TensorSpec> specs) {
    return specs.stream()
        .map(
            s ->
                Map.<String, Object>of(
                    "name", s.name(), "datatype", s.datatype().name(), "shape", s.shape()))
        .toList();
  }
}
