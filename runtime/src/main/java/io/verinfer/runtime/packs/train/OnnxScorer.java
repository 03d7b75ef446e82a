package io.verinfer.runtime.packs.train;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * Runs an exported pack model through ONNX Runtime, so reported metrics describe the file that
 * ships, not the Java forward pass. One thread: scoring is then repeatable run to run.
 */
public final class OnnxScorer {

  private OnnxScorer() {}

  /** The shared ONNX Runtime environment (created safely; see {@link OrtEnv}). */
  static OrtEnvironment environment() {
    return io.verinfer.runtime.onnx.OrtEnv.environment();
  }

  /** The single output column of {@code model} for each row, fed as one float32 batch. */
  public static double[] score(byte[] model, double[][] rows) {
    if (rows.length == 0) {
      return new double[0];
    }
    int width = rows[0].length;
    FloatBuffer input = FloatBuffer.allocate(rows.length * width);
    for (double[] row : rows) {
      if (row.length != width) {
        throw new IllegalArgumentException("all rows must have " + width + " features");
      }
      for (double v : row) {
        input.put((float) v);
      }
    }
    input.flip();
    OrtEnvironment env = environment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      options.setInterOpNumThreads(1);
      try (OrtSession session = env.createSession(model, options);
          OnnxTensor tensor = OnnxTensor.createTensor(env, input, new long[] {rows.length, width});
          OrtSession.Result result = session.run(Map.of(OnnxExporter.INPUT, tensor))) {
        OnnxValue value = result.get(0);
        if (!(value instanceof OnnxTensor out)) {
          throw new IllegalStateException("model output is not a tensor: " + value.getInfo());
        }
        FloatBuffer values = out.getFloatBuffer();
        if (values.remaining() != rows.length) {
          throw new IllegalStateException(
              "expected one output per row (" + rows.length + "), got " + values.remaining());
        }
        double[] scores = new double[rows.length];
        for (int i = 0; i < scores.length; i++) {
          scores[i] = values.get(i);
        }
        return scores;
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime could not run the model: " + e.getMessage(), e);
    }
  }
}
