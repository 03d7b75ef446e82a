package io.verinfer.protocol.text;

import io.verinfer.protocol.Bytes32;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * What a provider committed to having generated, in the form a text receipt's {@code outputHash}
 * covers: the completion's token ids so far and whether the generation ended there.
 *
 * <pre>
 *   "VTO1"
 *   u8  end: 0 = still running (a checkpoint), 1 = stop, 2 = length, 3 = cancelled
 *   u32 tokenCount, then tokenCount × u32 token ids
 * </pre>
 *
 * A checkpoint commits to a prefix: an honest re-run agrees when its first {@code tokenCount}
 * tokens are these. A final output also commits to the end: {@code stop} must be where the re-run
 * stopped, {@code length} where it reached the request's {@code maxTokens} or the context. A
 * cancelled output commits to its prefix only.
 */
public record TextOutput(End end, int[] tokens) {
  static final byte[] MAGIC = {'V', 'T', 'O', '1'};

  /** How a committed output ends. */
  public enum End {
    RUNNING,
    STOP,
    LENGTH,
    CANCELLED;

    static End ofCode(int code) {
      End[] all = values();
      if (code >= all.length) {
        throw new IllegalArgumentException("text output: end code " + code + " unknown");
      }
      return all[code];
    }
  }

  public TextOutput {
    Objects.requireNonNull(end, "end");
    Objects.requireNonNull(tokens, "tokens");
    for (int t : tokens) {
      if (t < 0) {
        throw new IllegalArgumentException("token ids must not be negative, got " + t);
      }
    }
    tokens = tokens.clone();
  }

  @Override
  public int[] tokens() {
    return tokens.clone();
  }

  public int tokenCount() {
    return tokens.length;
  }

  public byte[] encode() {
    ByteBuffer b = TextRequest.le(4 + 1 + 4 + tokens.length * 4);
    b.put(MAGIC).put((byte) end.ordinal()).putInt(tokens.length);
    for (int t : tokens) {
      b.putInt(t);
    }
    return b.array();
  }

  /** keccak256 of {@link #encode()}: the receipt's {@code outputHash}. */
  public Bytes32 hash() {
    return Bytes32.keccak256(encode());
  }

  /**
   * The output {@code bytes} encode.
   *
   * @throws IllegalArgumentException naming what is wrong when the bytes are not exactly an
   *     encoding
   */
  public static TextOutput decode(byte[] bytes) {
    TextRequest.Reader r = new TextRequest.Reader(bytes, MAGIC, "text output");
    End end = End.ofCode(r.u8());
    long n = r.u32();
    if (n > (bytes.length - 9) / 4) {
      throw new IllegalArgumentException("text output: token count " + n + " beyond the bytes");
    }
    int[] tokens = new int[(int) n];
    for (int i = 0; i < n; i++) {
      tokens[i] = r.tokenId();
    }
    r.end();
    return new TextOutput(end, tokens);
  }

  /**
   * Whether this claimed output agrees with an honest re-run that produced {@code rerun} (the
   * re-run's whole completion, generated with the same request) and ended with {@code rerunEnd}:
   * the claimed tokens must be the re-run's first tokens, one for one, and a claimed end of {@code
   * stop} or {@code length} must be the re-run's own end at the same token.
   */
  public boolean agreesWith(int[] rerun, End rerunEnd) {
    Objects.requireNonNull(rerun, "rerun");
    Objects.requireNonNull(rerunEnd, "rerunEnd");
    if (firstDifference(rerun) >= 0) {
      return false;
    }
    return switch (end) {
      case RUNNING, CANCELLED -> true;
      case STOP, LENGTH -> rerun.length == tokens.length && rerunEnd == end;
    };
  }

  /**
   * The index of the first claimed token that differs from {@code rerun} (or that {@code rerun}
   * does not reach), or -1 when every claimed token matches: "provable to the token".
   */
  public int firstDifference(int[] rerun) {
    int common = Math.min(rerun.length, tokens.length);
    int mismatch = Arrays.mismatch(tokens, 0, common, rerun, 0, common);
    if (mismatch >= 0) {
      return mismatch;
    }
    return tokens.length > rerun.length ? rerun.length : -1;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TextOutput t && end == t.end && Arrays.equals(tokens, t.tokens);
  }

  @Override
  public int hashCode() {
    return 31 * end.hashCode() + Arrays.hashCode(tokens);
  }

  @Override
  public String toString() {
    return "TextOutput[" + end + ", " + tokens.length + " tokens]";
  }
}
