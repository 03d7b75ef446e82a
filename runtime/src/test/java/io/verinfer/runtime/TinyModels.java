package io.verinfer.runtime;

import ai.onnx.proto.OnnxMl;
import io.verinfer.protocol.DataType;
import io.verinfer.protocol.ModelSchema;
import io.verinfer.protocol.TensorSpec;
import java.util.List;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;

/** Small ONNX graphs built in code for engine tests: y = x·W + b with a dynamic batch axis. */
public final class TinyModels {
  private TinyModels() {}

  public static final int IN = 4;
  public static final int OUT = 2;

  /** W[i][j] = (i + 1) * (j + 1) * scale / 10, b[j] = j - 0.5. */
  public static byte[] affine(float scale, int padFloats) {
    ONNXContext ctx = new ONNXContext();
    ctx.setName("affine");
    ONNXPlaceholder x = ctx.floatInput("x", IN);
    ONNXPlaceholder y = ctx.floatOutput("y", OUT);
    ONNXInitializer w =
        ctx.floatTensor(
            "W",
            List.of(IN, OUT),
            fb -> {
              for (int i = 0; i < IN; i++) {
                for (int j = 0; j < OUT; j++) {
                  fb.put((i + 1) * (j + 1) * scale / 10f);
                }
              }
            });
    ONNXInitializer b = ctx.array("B", new float[] {-0.5f, 0.5f});
    if (padFloats > 0) {
      // an unused initializer makes the model bigger, to exercise the session cache's byte budget
      ctx.array("padding", new float[padFloats]);
    }
    x.apply(ONNXOperators.GEMM, List.of(w, b)).assignTo(y);
    OnnxMl.GraphProto graph = ctx.buildGraph();
    return OnnxMl.ModelProto.newBuilder()
        .setIrVersion(8)
        .setProducerName("verinfer-tests")
        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(13).build())
        .setGraph(graph)
        .build()
        .toByteArray();
  }

  public static float[] expected(float[] x, float scale) {
    float[] y = new float[OUT];
    for (int j = 0; j < OUT; j++) {
      float acc = j == 0 ? -0.5f : 0.5f;
      for (int i = 0; i < IN; i++) {
        acc += x[i] * ((i + 1) * (j + 1) * scale / 10f);
      }
      y[j] = acc;
    }
    return y;
  }

  public static ModelSchema affineSchema(long maxInputBytes) {
    return new ModelSchema(
        List.of(new TensorSpec("x", DataType.FP32, List.of(-1L, (long) IN))),
        List.of(new TensorSpec("y", DataType.FP32, List.of(-1L, (long) OUT))),
        maxInputBytes);
  }
}
