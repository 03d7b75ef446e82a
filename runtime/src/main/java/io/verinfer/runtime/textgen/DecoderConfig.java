package io.verinfer.runtime.textgen;

/**
 * The shape of a GPT-2-style decoder-only transformer, the architecture of the project's own text
 * model (see {@link DecoderWeights} for the exact computation).
 *
 * @param vocabSize tokens in the vocabulary (rows of the embedding, columns of the logits)
 * @param contextLength positions the model has embeddings for: prompt plus completion
 * @param layers transformer blocks
 * @param heads attention heads per block; {@code width} must be divisible by it
 * @param width model (residual) width
 * @param mlpWidth hidden width of each block's MLP
 */
public record DecoderConfig(
    int vocabSize, int contextLength, int layers, int heads, int width, int mlpWidth) {
  public DecoderConfig {
    positive("vocabSize", vocabSize);
    positive("contextLength", contextLength);
    positive("layers", layers);
    positive("heads", heads);
    positive("width", width);
    positive("mlpWidth", mlpWidth);
    if (width % heads != 0) {
      throw new IllegalArgumentException("width " + width + " must be divisible by heads " + heads);
    }
  }

  public int headWidth() {
    return width / heads;
  }

  /** Number of float parameters {@link DecoderWeights} holds for this shape. */
  public long parameterCount() {
    long d = width;
    long perLayer =
        4 * d + 4 * (d * d + d) + 2 * d + (d * mlpWidth + mlpWidth) + (mlpWidth * d + d);
    return (long) vocabSize * d + (long) contextLength * d + layers * perLayer + 2 * d;
  }

  private static void positive(String field, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be > 0, got " + value);
    }
  }
}
