package io.verinfer.runtime.packs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MlpTrainerTest {

  private static final TrainConfig CONFIG = new TrainConfig(List.of(8), 40, 32, 0.02, 0, 5);

  /** XOR of two signs: no linear model can rank it, one hidden layer can. */
  private static Dataset xor(long seed, int rows) {
    Random rnd = new Random(seed);
    double[][] x = new double[rows][];
    double[] y = new double[rows];
    for (int i = 0; i < rows; i++) {
      x[i] = new double[] {rnd.nextGaussian(), rnd.nextGaussian()};
      y[i] = x[i][0] * x[i][1] > 0 ? 1 : 0;
    }
    return new Dataset(List.of("a", "b"), x, y);
  }

  @Test
  void hiddenLayerLearnsWhatALinearModelCannot() {
    Dataset train = xor(1, 2_000);
    Dataset test = xor(2, 1_000);
    boolean[] noLog = new boolean[2];
    Mlp mlp = MlpTrainer.train(train, noLog, Mlp.Head.SIGMOID, CONFIG);
    Mlp linear = MlpTrainer.train(train, noLog, Mlp.Head.SIGMOID, CONFIG.withHidden(List.of()));
    assertThat(Metrics.auc(test.targets(), mlp.predict(test.features()))).isGreaterThan(0.95);
    assertThat(Metrics.auc(test.targets(), linear.predict(test.features()))).isLessThan(0.65);
  }

  @Test
  void regressionUndoesTargetStandardization() {
    Random rnd = new Random(3);
    double[][] x = new double[1_000][];
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = new double[] {rnd.nextDouble() * 10};
      y[i] = 500 + 40 * x[i][0];
    }
    Dataset data = new Dataset(List.of("x"), x, y);
    Mlp model =
        MlpTrainer.train(data, new boolean[1], Mlp.Head.LINEAR, CONFIG.withHidden(List.of()));
    assertThat(model.predict(new double[] {5})).isCloseTo(700, within(2.0));
  }

  @Test
  void sameDataAndConfigGiveBitIdenticalWeights() {
    Dataset train = xor(4, 500);
    Mlp first = MlpTrainer.train(train, new boolean[2], Mlp.Head.SIGMOID, CONFIG);
    Mlp second = MlpTrainer.train(train, new boolean[2], Mlp.Head.SIGMOID, CONFIG);
    assertThat(Arrays.deepEquals(second.weights, first.weights)).isTrue();
    assertThat(Arrays.deepEquals(second.biases, first.biases)).isTrue();
  }

  @Test
  void logScaledInputsAreStandardizedAfterTheLog() {
    Dataset data = FraudDataGenerator.generate(11, 2_000);
    Mlp model =
        MlpTrainer.train(
            data,
            FraudDataGenerator.logScaledMask(),
            Mlp.Head.SIGMOID,
            CONFIG.withHidden(List.of()));
    double mean = 0;
    for (double[] row : data.features()) {
      mean += Math.log1p(row[0]);
    }
    assertThat(model.inputMean[0]).isCloseTo(mean / data.rows(), within(1e-9));
  }
}
