package io.verinfer.runtime.packs.train;

import java.util.List;
import java.util.Objects;

/**
 * How {@link MlpTrainer} trains: mini-batch Adam over a fixed number of epochs with the learning
 * rate decaying linearly to a tenth, L2 weight decay, and one seed for initialization and
 * shuffling.
 *
 * @param hidden widths of the hidden ReLU layers (empty: logistic/linear regression)
 * @param epochs passes over the training rows
 * @param batchSize rows per Adam step
 * @param learningRate Adam step size at the first epoch
 * @param l2 weight decay added to the gradient of every weight (not biases)
 * @param seed seeds weight initialization and the per-epoch shuffles
 */
public record TrainConfig(
    List<Integer> hidden, int epochs, int batchSize, double learningRate, double l2, long seed) {

  public TrainConfig {
    hidden = List.copyOf(Objects.requireNonNull(hidden, "hidden"));
    for (Integer width : hidden) {
      if (width < 1) {
        throw new IllegalArgumentException("hidden layer widths must be positive: " + hidden);
      }
    }
    if (epochs < 1 || epochs > 10_000) {
      throw new IllegalArgumentException("epochs must be in 1..10000, got " + epochs);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
    }
    if (!(learningRate > 0) || !(l2 >= 0)) {
      throw new IllegalArgumentException("learningRate must be > 0 and l2 >= 0");
    }
  }

  /** The same settings with other hidden layers (e.g. none, for a linear baseline). */
  public TrainConfig withHidden(List<Integer> otherHidden) {
    return new TrainConfig(otherHidden, epochs, batchSize, learningRate, l2, seed);
  }
}
