package io.verinfer.runtime.text;

import io.verinfer.protocol.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The answer to one embedding call: one L2-normalized vector per input text, in input order, and
 * the number of tokens the model read (special tokens included, padding excluded), which is what
 * OpenAI's {@code usage.prompt_tokens} reports. Vectors are copied in and out.
 */
public record Embeddings(List<float[]> vectors, int promptTokens) {
  public Embeddings {
    Objects.requireNonNull(vectors, "vectors");
    if (promptTokens < 0) {
      throw new IllegalArgumentException("promptTokens must be >= 0, got " + promptTokens);
    }
    vectors = copy(vectors);
    for (float[] v : vectors) {
      if (v.length != vectors.get(0).length) {
        throw new IllegalArgumentException("all vectors must have the same length");
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Embeddings e)
        || promptTokens != e.promptTokens
        || vectors.size() != e.vectors.size()) {
      return false;
    }
    for (int i = 0; i < vectors.size(); i++) {
      if (!Arrays.equals(vectors.get(i), e.vectors.get(i))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = promptTokens;
    for (float[] v : vectors) {
      h = 31 * h + Arrays.hashCode(v);
    }
    return h;
  }

  @Override
  public String toString() {
    return "Embeddings[" + vectors.size() + " x " + dimensions() + ", " + promptTokens + " tokens]";
  }

  @Override
  public List<float[]> vectors() {
    return copy(vectors);
  }

  /** A copy of the vector of input {@code i}. */
  public float[] vector(int i) {
    return vectors.get(i).clone();
  }

  public int size() {
    return vectors.size();
  }

  /** Length of each vector (384 for MiniLM), 0 when there are none. */
  public int dimensions() {
    return vectors.isEmpty() ? 0 : vectors.get(0).length;
  }

  /**
   * All vectors as one FP32 tensor of shape [texts, dimensions], the form receipts hash and
   * verifiers compare.
   */
  public Tensor toTensor(String name) {
    int dims = dimensions();
    float[] all = new float[vectors.size() * dims];
    for (int i = 0; i < vectors.size(); i++) {
      System.arraycopy(vectors.get(i), 0, all, i * dims, dims);
    }
    return Tensor.ofFloats(name, new long[] {vectors.size(), dims}, all);
  }

  private static List<float[]> copy(List<float[]> vectors) {
    List<float[]> out = new ArrayList<>(vectors.size());
    for (float[] v : vectors) {
      out.add(v.clone());
    }
    return List.copyOf(out);
  }
}
