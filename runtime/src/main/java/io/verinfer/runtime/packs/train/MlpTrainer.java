package io.verinfer.runtime.packs.train;

import java.util.Arrays;
import java.util.Random;

/**
 * Deterministic mini-batch Adam for {@link Mlp}: binary cross-entropy on the logit for {@link
 * Mlp.Head#SIGMOID}, squared error on the standardized target for {@link Mlp.Head#LINEAR}. One
 * thread, fixed visiting order, {@link StrictMath} for transcendental functions: the same data and
 * config always give bit-identical weights.
 */
public final class MlpTrainer {

  private static final double BETA1 = 0.9;
  private static final double BETA2 = 0.999;
  private static final double EPSILON = 1e-8;

  private MlpTrainer() {}

  public static Mlp train(Dataset data, boolean[] logInputs, Mlp.Head head, TrainConfig config) {
    int n = data.rows();
    int width = data.width();
    if (logInputs.length != width) {
      throw new IllegalArgumentException("logInputs must have one flag per feature");
    }
    double[] mean = new double[width];
    double[] std = new double[width];
    double[][] z = inputStatistics(data.features(), logInputs, mean, std);
    double targetMean = 0;
    double targetStd = 1;
    double[] y = data.targets().clone();
    if (head == Mlp.Head.LINEAR) {
      double[] stats = meanAndStd(y);
      targetMean = stats[0];
      targetStd = stats[1];
      for (int i = 0; i < n; i++) {
        y[i] = (y[i] - targetMean) / targetStd;
      }
    }
    int[] sizes = new int[config.hidden().size() + 2];
    sizes[0] = width;
    for (int l = 0; l < config.hidden().size(); l++) {
      sizes[l + 1] = config.hidden().get(l);
    }
    sizes[sizes.length - 1] = 1;
    Random rnd = new Random(config.seed());
    Mlp model =
        Mlp.initialize(sizes, logInputs.clone(), mean, std, head, targetMean, targetStd, rnd);
    new Run(model, sizes).fit(z, y, config, rnd);
    return model;
  }

  /** Fills mean/std of the (log-scaled) columns and returns the standardized rows. */
  private static double[][] inputStatistics(
      double[][] rows, boolean[] logInputs, double[] mean, double[] std) {
    int width = mean.length;
    double[][] t = new double[rows.length][width];
    for (int i = 0; i < rows.length; i++) {
      for (int c = 0; c < width; c++) {
        t[i][c] = logInputs[c] ? StrictMath.log1p(Math.max(rows[i][c], 0)) : rows[i][c];
      }
    }
    double[] column = new double[rows.length];
    for (int c = 0; c < width; c++) {
      for (int i = 0; i < rows.length; i++) {
        column[i] = t[i][c];
      }
      double[] stats = meanAndStd(column);
      mean[c] = stats[0];
      std[c] = stats[1];
      for (int i = 0; i < rows.length; i++) {
        t[i][c] = (t[i][c] - mean[c]) / std[c];
      }
    }
    return t;
  }

  /** Population mean and standard deviation; a constant column gets std 1 (no division by 0). */
  static double[] meanAndStd(double[] values) {
    double sum = 0;
    for (double v : values) {
      sum += v;
    }
    double mean = sum / values.length;
    double squares = 0;
    for (double v : values) {
      squares += (v - mean) * (v - mean);
    }
    double std = Math.sqrt(squares / values.length);
    return new double[] {mean, std > 1e-12 ? std : 1};
  }

  /** Buffers and Adam state for one training run. */
  private static final class Run {
    private final Mlp model;
    private final int layers;
    private final double[][] activations;
    private final double[][] deltas;
    private final double[][][] gradW;
    private final double[][] gradB;
    private final double[][][] momentW;
    private final double[][][] velocityW;
    private final double[][] momentB;
    private final double[][] velocityB;
    private long step;

    Run(Mlp model, int[] sizes) {
      this.model = model;
      this.layers = sizes.length - 1;
      activations = new double[sizes.length][];
      deltas = new double[layers][];
      gradW = new double[layers][][];
      gradB = new double[layers][];
      momentW = new double[layers][][];
      velocityW = new double[layers][][];
      momentB = new double[layers][];
      velocityB = new double[layers][];
      for (int l = 0; l < layers; l++) {
        activations[l + 1] = new double[sizes[l + 1]];
        deltas[l] = new double[sizes[l + 1]];
        gradW[l] = new double[sizes[l]][sizes[l + 1]];
        momentW[l] = new double[sizes[l]][sizes[l + 1]];
        velocityW[l] = new double[sizes[l]][sizes[l + 1]];
        gradB[l] = new double[sizes[l + 1]];
        momentB[l] = new double[sizes[l + 1]];
        velocityB[l] = new double[sizes[l + 1]];
      }
    }

    void fit(double[][] z, double[] y, TrainConfig config, Random rnd) {
      int n = y.length;
      int[] order = new int[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      for (int epoch = 0; epoch < config.epochs(); epoch++) {
        for (int i = n - 1; i > 0; i--) {
          int j = rnd.nextInt(i + 1);
          int swap = order[i];
          order[i] = order[j];
          order[j] = swap;
        }
        double rate = config.learningRate() * (1 - 0.9 * epoch / (double) config.epochs());
        for (int start = 0; start < n; start += config.batchSize()) {
          int end = Math.min(n, start + config.batchSize());
          for (int l = 0; l < layers; l++) {
            for (double[] row : gradW[l]) {
              Arrays.fill(row, 0);
            }
            Arrays.fill(gradB[l], 0);
          }
          for (int k = start; k < end; k++) {
            accumulate(z[order[k]], y[order[k]]);
          }
          adamStep(1.0 / (end - start), rate, config.l2());
        }
      }
    }

    private void accumulate(double[] input, double target) {
      activations[0] = input;
      for (int l = 0; l < layers; l++) {
        double[] in = activations[l];
        double[] out = activations[l + 1];
        System.arraycopy(model.biases[l], 0, out, 0, out.length);
        for (int i = 0; i < in.length; i++) {
          double a = in[i];
          double[] w = model.weights[l][i];
          for (int j = 0; j < out.length; j++) {
            out[j] += a * w[j];
          }
        }
        if (l < layers - 1) {
          for (int j = 0; j < out.length; j++) {
            out[j] = Math.max(out[j], 0);
          }
        }
      }
      double output = activations[layers][0];
      deltas[layers - 1][0] =
          model.head == Mlp.Head.SIGMOID
              ? 1 / (1 + StrictMath.exp(-output)) - target
              : output - target;
      for (int l = layers - 1; l >= 0; l--) {
        double[] in = activations[l];
        double[] delta = deltas[l];
        for (int j = 0; j < delta.length; j++) {
          gradB[l][j] += delta[j];
        }
        for (int i = 0; i < in.length; i++) {
          double a = in[i];
          double[] g = gradW[l][i];
          double back = 0;
          double[] w = model.weights[l][i];
          for (int j = 0; j < delta.length; j++) {
            g[j] += a * delta[j];
            back += w[j] * delta[j];
          }
          if (l > 0) {
            deltas[l - 1][i] = a > 0 ? back : 0;
          }
        }
      }
    }

    private void adamStep(double scale, double rate, double l2) {
      step++;
      double correction1 = 1 - StrictMath.pow(BETA1, step);
      double correction2 = 1 - StrictMath.pow(BETA2, step);
      for (int l = 0; l < layers; l++) {
        for (int i = 0; i < gradW[l].length; i++) {
          for (int j = 0; j < gradW[l][i].length; j++) {
            double g = gradW[l][i][j] * scale + l2 * model.weights[l][i][j];
            model.weights[l][i][j] -=
                update(momentW[l][i], velocityW[l][i], j, g, rate, correction1, correction2);
          }
        }
        for (int j = 0; j < gradB[l].length; j++) {
          double g = gradB[l][j] * scale;
          model.biases[l][j] -=
              update(momentB[l], velocityB[l], j, g, rate, correction1, correction2);
        }
      }
    }

    private static double update(
        double[] moment, double[] velocity, int j, double g, double rate, double c1, double c2) {
      moment[j] = BETA1 * moment[j] + (1 - BETA1) * g;
      velocity[j] = BETA2 * velocity[j] + (1 - BETA2) * g * g;
      return rate * (moment[j] / c1) / (Math.sqrt(velocity[j] / c2) + EPSILON);
    }
  }
}
