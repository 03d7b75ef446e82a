package io.verinfer.protocol.text;

import io.verinfer.protocol.Bytes32;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a text generation was asked to do, in the form a receipt's {@code inputHash} covers and a
 * dispute committee re-runs: the prompt as token ids (so no tokenizer stands between the claim and
 * the re-run) and every parameter the output depends on.
 *
 * <pre>
 *   "VTG1"
 *   u32 promptLength, then promptLength × u32 token ids
 *   f64 temperature, f64 topP          (IEEE-754 bits, little-endian)
 *   u64 seed
 *   u32 maxTokens
 *   u8  stopCount, then per stop sequence: u16 byteLength, UTF-8 bytes
 * </pre>
 *
 * All integers little-endian. {@link #decode} accepts exactly what {@link #encode} writes.
 */
public record TextRequest(
    int[] promptTokens,
    double temperature,
    double topP,
    long seed,
    int maxTokens,
    List<String> stop) {
  static final byte[] MAGIC = {'V', 'T', 'G', '1'};

  /** The most prompt tokens an encoding may carry (a dispute's input must stay small). */
  public static final int MAX_PROMPT_TOKENS = 1 << 16;

  public TextRequest {
    Objects.requireNonNull(promptTokens, "promptTokens");
    if (promptTokens.length == 0 || promptTokens.length > MAX_PROMPT_TOKENS) {
      throw new IllegalArgumentException(
          "promptTokens must hold 1 to " + MAX_PROMPT_TOKENS + " tokens");
    }
    for (int t : promptTokens) {
      if (t < 0) {
        throw new IllegalArgumentException("token ids must not be negative, got " + t);
      }
    }
    if (!(temperature >= 0 && temperature <= 2)) {
      throw new IllegalArgumentException("temperature must be within [0, 2], got " + temperature);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("topP must be within (0, 1], got " + topP);
    }
    if (maxTokens <= 0) {
      throw new IllegalArgumentException("maxTokens must be > 0, got " + maxTokens);
    }
    stop = List.copyOf(Objects.requireNonNull(stop, "stop"));
    if (stop.size() > 255) {
      throw new IllegalArgumentException("at most 255 stop sequences");
    }
    for (String s : stop) {
      if (s.isEmpty() || s.getBytes(StandardCharsets.UTF_8).length > 0xffff) {
        throw new IllegalArgumentException("a stop sequence must hold 1 to 65535 UTF-8 bytes");
      }
    }
    promptTokens = promptTokens.clone();
  }

  @Override
  public int[] promptTokens() {
    return promptTokens.clone();
  }

  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 + promptTokens.length * 4);
    out.writeBytes(MAGIC);
    ByteBuffer ids = le(4 + promptTokens.length * 4).putInt(promptTokens.length);
    for (int t : promptTokens) {
      ids.putInt(t);
    }
    out.writeBytes(ids.array());
    out.writeBytes(
        le(8 + 8 + 8 + 4 + 1)
            .putDouble(temperature)
            .putDouble(topP)
            .putLong(seed)
            .putInt(maxTokens)
            .put((byte) stop.size())
            .array());
    for (String s : stop) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      out.writeBytes(le(2).putShort((short) b.length).array());
      out.writeBytes(b);
    }
    return out.toByteArray();
  }

  /** keccak256 of {@link #encode()}: the receipt's {@code inputHash}. */
  public Bytes32 hash() {
    return Bytes32.keccak256(encode());
  }

  /**
   * The request {@code bytes} encode.
   *
   * @throws IllegalArgumentException naming what is wrong when the bytes are not exactly an
   *     encoding
   */
  public static TextRequest decode(byte[] bytes) {
    Reader r = new Reader(bytes, MAGIC, "text request");
    long n = r.u32();
    if (n == 0 || n > MAX_PROMPT_TOKENS) {
      throw new IllegalArgumentException("text request: prompt length " + n + " out of range");
    }
    int[] prompt = new int[(int) n];
    for (int i = 0; i < n; i++) {
      prompt[i] = r.tokenId();
    }
    double temperature = r.f64();
    double topP = r.f64();
    long seed = r.u64();
    long maxTokens = r.u32();
    int stops = r.u8();
    List<String> stop = new ArrayList<>(stops);
    for (int i = 0; i < stops; i++) {
      stop.add(r.utf8(r.u16()));
    }
    r.end();
    if (maxTokens > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("text request: maxTokens " + maxTokens + " too large");
    }
    TextRequest request;
    try {
      request = new TextRequest(prompt, temperature, topP, seed, (int) maxTokens, stop);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("text request: " + e.getMessage(), e);
    }
    if (!java.util.Arrays.equals(request.encode(), bytes)) {
      throw new IllegalArgumentException("text request: not in canonical form");
    }
    return request;
  }

  static ByteBuffer le(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TextRequest t && java.util.Arrays.equals(encode(), t.encode());
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(encode());
  }

  @Override
  public String toString() {
    return "TextRequest["
        + promptTokens.length
        + " prompt tokens, temperature "
        + temperature
        + ", topP "
        + topP
        + ", seed "
        + seed
        + ", maxTokens "
        + maxTokens
        + ", stop "
        + stop
        + "]";
  }

  /** A bounds-checked little-endian reader over one encoding. */
  static final class Reader {
    private final ByteBuffer buf;
    private final String what;

    Reader(byte[] bytes, byte[] magic, String what) {
      this.what = what;
      Objects.requireNonNull(bytes, what);
      buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
      for (byte m : magic) {
        if (!buf.hasRemaining() || buf.get() != m) {
          throw new IllegalArgumentException(
              what + ": wrong magic (want " + new String(magic, StandardCharsets.US_ASCII) + ")");
        }
      }
    }

    private void need(int n) {
      if (buf.remaining() < n) {
        throw new IllegalArgumentException(what + ": truncated at byte " + buf.position());
      }
    }

    int u8() {
      need(1);
      return buf.get() & 0xff;
    }

    int u16() {
      need(2);
      return buf.getShort() & 0xffff;
    }

    long u32() {
      need(4);
      return buf.getInt() & 0xffffffffL;
    }

    int tokenId() {
      long t = u32();
      if (t > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(what + ": token id " + t + " out of range");
      }
      return (int) t;
    }

    long u64() {
      need(8);
      return buf.getLong();
    }

    double f64() {
      need(8);
      return buf.getDouble();
    }

    String utf8(int length) {
      need(length);
      byte[] b = new byte[length];
      buf.get(b);
      try {
        return StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(b))
            .toString();
      } catch (CharacterCodingException e) {
        throw new IllegalArgumentException(what + ": a string is not valid UTF-8", e);
      }
    }

    void end() {
      if (buf.hasRemaining()) {
        throw new IllegalArgumentException(
            what + ": " + buf.remaining() + " trailing bytes after the encoding");
      }
    }
  }
}
