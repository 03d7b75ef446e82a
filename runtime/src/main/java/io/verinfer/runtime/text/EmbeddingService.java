package io.verinfer.runtime.text;

import io.verinfer.protocol.DataType;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.VerinferException;
import io.verinfer.runtime.InferenceEngine;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Sentence embeddings from a BERT-style encoder served by an {@link InferenceEngine}: tokenize, run
 * the graph, mean-pool {@code last_hidden_state} over the attention mask, L2-normalize.
 *
 * <p>{@link #embed} sends every text as its own request with batch dimension 1, from its own
 * virtual thread, so the engine's micro-batcher can stack texts of this call and of concurrent
 * calls into one run. Requests only stack when their shapes match, so each text's tokens are
 * right-padded (id 0, attention mask 0, type 0) to a bucket length: 16, 32, 64, … up to the
 * tokenizer's limit. {@link #embedBatched} instead sends all texts of one call as one padded
 * request.
 *
 * <p>Why padding leaves the result (nearly) unchanged: a position with mask 0 gets a large negative
 * bias on its attention logits, so after the softmax no real token attends to it (its weight is 0
 * in float32); embeddings, LayerNorm and the feed-forward layers act per position; real tokens keep
 * their positions because padding goes on the right; and the mean pooling here skips every position
 * with mask 0. In a float32 graph the pooled vector therefore changes only by float rounding. The
 * MiniLM pack is int8 <em>dynamically quantized</em>, though: each {@code DynamicQuantizeLinear}
 * takes one scale and zero point from the min and max of its whole input tensor, padded positions
 * and stacked companion rows included. Padding and micro-batching thus re-draw the int8 rounding of
 * the activations, which moves the unit vector by a few hundredths per element (measured: at most
 * ~0.055, cosine to the unpadded vector at least ~0.95); the pack declares a tolerance that covers
 * this. The same request run alone is bit-identical run to run.
 *
 * <p>Thread-safe; the engine and tokenizer are owned by the caller.
 */
public final class EmbeddingService {
  /** Tokens per text unless configured otherwise (sentence-transformers' limit for MiniLM). */
  public static final int DEFAULT_MAX_TOKENS = 256;

  /** Most texts one call may carry (OpenAI's limit for {@code /v1/embeddings}). */
  public static final int MAX_INPUTS = 2048;

  /** The graph output that is pooled. */
  public static final String OUTPUT = "last_hidden_state";

  /** Smallest bucket; shorter texts are padded up to it. */
  public static final int MIN_BUCKET = 16;

  private static final double MIN_NORM = 1e-12;

  private final InferenceEngine engine;
  private final String model;
  private final TextTokenizer tokenizer;
  private final int maxTokens;
  private final boolean bucketPadding;
  private final Executor executor;

  /** Up to {@value #DEFAULT_MAX_TOKENS} tokens per text, bucket padding, virtual threads. */
  public EmbeddingService(InferenceEngine engine, String model, TextTokenizer tokenizer) {
    this(
        engine,
        model,
        tokenizer,
        Math.min(DEFAULT_MAX_TOKENS, tokenizer.tokenLimit()),
        true,
        command -> Thread.ofVirtual().name("embed").start(command));
  }

  /**
   * @param maxTokens tokens kept per text (longer texts are cut), at most the tokenizer's limit
   * @param bucketPadding pad to bucket lengths so requests stack; {@code false} sends each text at
   *     its exact length (the unpadded reference result, but only equal-length texts stack)
   * @param executor runs one task per text of an {@link #embed} call
   */
  public EmbeddingService(
      InferenceEngine engine,
      String model,
      TextTokenizer tokenizer,
      int maxTokens,
      boolean bucketPadding,
      Executor executor) {
    this.engine = Objects.requireNonNull(engine, "engine");
    this.model = Objects.requireNonNull(model, "model");
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    this.executor = Objects.requireNonNull(executor, "executor");
    if (maxTokens < 3 || maxTokens > tokenizer.tokenLimit()) {
      throw new IllegalArgumentException(
          "maxTokens must be in [3, " + tokenizer.tokenLimit() + "], got " + maxTokens);
    }
    this.maxTokens = maxTokens;
    this.bucketPadding = bucketPadding;
  }

  public String model() {
    return model;
  }

  public int maxTokens() {
    return maxTokens;
  }

  /** One request per text (batch dimension 1), submitted concurrently so they can stack. */
  public Embeddings embed(List<String> texts) {
    List<TextTokenizer.Encoding> encodings = encodeAll(texts);
    List<float[]> vectors = new ArrayList<>(encodings.size());
    if (encodings.size() == 1) {
      vectors.add(embedOne(encodings.get(0)));
    } else {
      List<CompletableFuture<float[]>> pending = new ArrayList<>(encodings.size());
      for (TextTokenizer.Encoding e : encodings) {
        pending.add(CompletableFuture.supplyAsync(() -> embedOne(e), executor));
      }
      for (CompletableFuture<float[]> f : pending) {
        vectors.add(join(f));
      }
    }
    return new Embeddings(vectors, tokens(encodings));
  }

  /** All texts of the call in one request, padded to the bucket of the longest. */
  public Embeddings embedBatched(List<String> texts) {
    List<TextTokenizer.Encoding> encodings = encodeAll(texts);
    int length = 0;
    for (TextTokenizer.Encoding e : encodings) {
      length = Math.max(length, paddedLength(e.length()));
    }
    Tensor hidden = lastHiddenState(engine.infer(model, request(encodings, length)), encodings);
    List<float[]> vectors = new ArrayList<>(encodings.size());
    for (int row = 0; row < encodings.size(); row++) {
      vectors.add(meanPool(hidden, row, encodings.get(row).attentionMask()));
    }
    return new Embeddings(vectors, tokens(encodings));
  }

  /** The sequence length a text of {@code tokens} tokens is padded to. */
  public int paddedLength(int tokens) {
    if (!bucketPadding) {
      return tokens;
    }
    int bucket = MIN_BUCKET;
    while (bucket < tokens) {
      bucket <<= 1;
    }
    return Math.max(tokens, Math.min(bucket, tokenizer.tokenLimit()));
  }

  /**
   * The model inputs for {@code encodings}, each right-padded to {@code length} with id 0, mask 0
   * and type 0: {@code input_ids}, {@code attention_mask}, {@code token_type_ids}, INT64 [rows,
   * length]. These are the exact tensors a receipt's input hash covers.
   */
  public static List<Tensor> request(List<TextTokenizer.Encoding> encodings, int length) {
    int rows = encodings.size();
    long[] ids = new long[rows * length];
    long[] mask = new long[rows * length];
    long[] types = new long[rows * length];
    for (int r = 0; r < rows; r++) {
      TextTokenizer.Encoding e = encodings.get(r);
      if (e.length() > length) {
        throw new IllegalArgumentException(
            "encoding " + r + " has " + e.length() + " tokens, more than the length " + length);
      }
      System.arraycopy(e.ids(), 0, ids, r * length, e.length());
      System.arraycopy(e.attentionMask(), 0, mask, r * length, e.length());
      System.arraycopy(e.typeIds(), 0, types, r * length, e.length());
    }
    long[] shape = {rows, length};
    return List.of(
        Tensor.ofLongs("input_ids", shape, ids),
        Tensor.ofLongs("attention_mask", shape, mask),
        Tensor.ofLongs("token_type_ids", shape, types));
  }

  /**
   * Mean of the rows of {@code hidden} [rows, length, dims] at {@code row} where {@code mask} is 1,
   * scaled to unit L2 norm. Sums run in double, in position order, so the result is repeatable.
   */
  public static float[] meanPool(Tensor hidden, int row, long[] mask) {
    long[] shape = hidden.shape();
    int length = (int) shape[1];
    int dims = (int) shape[2];
    FloatBuffer values = hidden.buffer().asFloatBuffer();
    double[] sum = new double[dims];
    int count = 0;
    for (int pos = 0; pos < Math.min(length, mask.length); pos++) {
      if (mask[pos] == 0) {
        continue;
      }
      count++;
      int base = (row * length + pos) * dims;
      for (int d = 0; d < dims; d++) {
        sum[d] += values.get(base + d);
      }
    }
    double squares = 0;
    for (int d = 0; d < dims; d++) {
      sum[d] /= Math.max(count, 1);
      squares += sum[d] * sum[d];
    }
    double norm = Math.max(Math.sqrt(squares), MIN_NORM);
    float[] out = new float[dims];
    for (int d = 0; d < dims; d++) {
      out[d] = (float) (sum[d] / norm);
    }
    return out;
  }

  private float[] embedOne(TextTokenizer.Encoding encoding) {
    List<TextTokenizer.Encoding> one = List.of(encoding);
    List<Tensor> outputs = engine.infer(model, request(one, paddedLength(encoding.length())));
    return meanPool(lastHiddenState(outputs, one), 0, encoding.attentionMask());
  }

  private List<TextTokenizer.Encoding> encodeAll(List<String> texts) {
    if (texts == null || texts.isEmpty()) {
      throw new VerinferException(
          ErrorCode.EMPTY_INPUT, "input", "input holds no texts; give at least one");
    }
    if (texts.size() > MAX_INPUTS) {
      throw new VerinferException(
          ErrorCode.INPUT_TOO_LARGE,
          "input",
          "input holds " + texts.size() + " texts; at most " + MAX_INPUTS + " per call");
    }
    List<TextTokenizer.Encoding> encodings = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      encodings.add(tokenizer.encode(texts.get(i), maxTokens, "input[" + i + "]"));
    }
    return encodings;
  }

  private Tensor lastHiddenState(List<Tensor> outputs, List<TextTokenizer.Encoding> encodings) {
    for (Tensor t : outputs) {
      if (t.name().equals(OUTPUT)) {
        long[] shape = t.shape();
        if (t.datatype() != DataType.FP32
            || shape.length != 3
            || shape[0] != encodings.size()
            || shape[1] < 1) {
          throw new IllegalStateException(
              model + " returned " + OUTPUT + " " + t.datatype() + Arrays.toString(shape));
        }
        return t;
      }
    }
    throw new IllegalStateException(model + " returned no " + OUTPUT + " output");
  }

  private static int tokens(List<TextTokenizer.Encoding> encodings) {
    int total = 0;
    for (TextTokenizer.Encoding e : encodings) {
      total += e.length();
    }
    return total;
  }

  private static float[] join(CompletableFuture<float[]> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }
}
