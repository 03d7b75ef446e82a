package io.verinfer.runtime.packs.train;

import java.util.Objects;
import java.util.Random;

/**
 * A small multi-layer perceptron and everything around it that the exported ONNX graph also does:
 * optional {@code ln(1 + max(x, 0))} on chosen inputs, standardization {@code (x - mean) / std},
 * dense layers with ReLU between them, and a head (sigmoid, or {@code mean + std · z} to undo
 * target standardization). {@link #predict(double[])} is the reference forward pass in double
 * precision; {@link OnnxExporter} writes the same computation as a graph.
 *
 * <p>Weights are laid out {@code weights[layer][in][out]}, the ONNX {@code Gemm} B layout. The
 * arrays are package-private and mutable because {@link MlpTrainer} updates them in place.
 */
public final class Mlp {

  /** What the last layer's single output becomes. */
  public enum Head {
    /** A probability: {@code sigmoid(z)}. */
    SIGMOID,
    /** A real value: {@code targetMean + targetStd · z}. */
    LINEAR
  }

  final boolean[] logInputs;
  final double[] inputMean;
  final double[] inputStd;
  final double[][][] weights;
  final double[][] biases;
  final Head head;
  final double targetMean;
  final double targetStd;

  Mlp(
      boolean[] logInputs,
      double[] inputMean,
      double[] inputStd,
      double[][][] weights,
      double[][] biases,
      Head head,
      double targetMean,
      double targetStd) {
    this.logInputs = logInputs;
    this.inputMean = inputMean;
    this.inputStd = inputStd;
    this.weights = weights;
    this.biases = biases;
    this.head = Objects.requireNonNull(head, "head");
    this.targetMean = targetMean;
    this.targetStd = targetStd;
  }

  /**
   * Fresh weights for layer sizes {@code [inputs, hidden..., 1]}: He-normal for layers followed by
   * ReLU, Glorot-normal for the last, zero biases, all drawn from {@code rnd} in a fixed order.
   */
  static Mlp initialize(
      int[] sizes,
      boolean[] logInputs,
      double[] inputMean,
      double[] inputStd,
      Head head,
      double targetMean,
      double targetStd,
      Random rnd) {
    if (sizes.length < 2 || sizes[sizes.length - 1] != 1 || sizes[0] != logInputs.length) {
      throw new IllegalArgumentException("layer sizes must be [inputs, hidden..., 1]");
    }
    int layers = sizes.length - 1;
    double[][][] w = new double[layers][][];
    double[][] b = new double[layers][];
    for (int l = 0; l < layers; l++) {
      int in = sizes[l];
      int out = sizes[l + 1];
      boolean last = l == layers - 1;
      double scale = last ? Math.sqrt(2.0 / (in + out)) : Math.sqrt(2.0 / in);
      w[l] = new double[in][out];
      b[l] = new double[out];
      for (int i = 0; i < in; i++) {
        for (int j = 0; j < out; j++) {
          w[l][i][j] = scale * rnd.nextGaussian();
        }
      }
    }
    return new Mlp(logInputs, inputMean, inputStd, w, b, head, targetMean, targetStd);
  }

  /** Number of input features. */
  public int inputSize() {
    return inputMean.length;
  }

  /** The model's output for one raw feature row (a probability, or a value in target units). */
  public double predict(double[] features) {
    return applyHead(logit(standardize(features)));
  }

  /** {@link #predict(double[])} for each row. */
  public double[] predict(double[][] rows) {
    double[] out = new double[rows.length];
    for (int i = 0; i < rows.length; i++) {
      out[i] = predict(rows[i]);
    }
    return out;
  }

  /** Log-scaling and standardization of a raw row. */
  double[] standardize(double[] features) {
    if (features.length != inputSize()) {
      throw new IllegalArgumentException(
          "expected " + inputSize() + " features, got " + features.length);
    }
    double[] z = new double[features.length];
    for (int i = 0; i < z.length; i++) {
      double v = logInputs[i] ? StrictMath.log1p(Math.max(features[i], 0)) : features[i];
      z[i] = (v - inputMean[i]) / inputStd[i];
    }
    return z;
  }

  /** The last layer's output, before the head. */
  double logit(double[] standardized) {
    double[] a = standardized;
    for (int l = 0; l < weights.length; l++) {
      double[] next = biases[l].clone();
      for (int i = 0; i < a.length; i++) {
        double ai = a[i];
        double[] row = weights[l][i];
        for (int j = 0; j < next.length; j++) {
          next[j] += ai * row[j];
        }
      }
      if (l < weights.length - 1) {
        for (int j = 0; j < next.length; j++) {
          next[j] = Math.max(next[j], 0);
        }
      }
      a = next;
    }
    return a[0];
  }

  double applyHead(double z) {
    return head == Head.SIGMOID ? 1 / (1 + StrictMath.exp(-z)) : targetMean + targetStd * z;
  }
}
