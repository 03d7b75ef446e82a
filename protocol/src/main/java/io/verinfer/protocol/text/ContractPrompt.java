package io.verinfer.protocol.text;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A text completion a smart contract asks for through the {@code InferenceCoordinator}: a contract
 * cannot tokenize, so the input carries the user's message as UTF-8 and the provider renders it
 * with the model's chat template (one user message), decodes greedily and delivers the reply's
 * UTF-8 text to the callback. Built by the Solidity SDK's {@code VerinferText.prompt}:
 *
 * <pre>
 *   "VTC1"
 *   u32 maxTokens    (big-endian, as Solidity's abi.encodePacked writes it)
 *   the message, UTF-8, to the end
 * </pre>
 *
 * Greedy decoding makes the reply a deterministic function of (model, message, maxTokens) on one
 * runtime build, so a committee re-runs it and compares the reply byte for byte.
 */
public record ContractPrompt(String message, int maxTokens) {
  static final byte[] MAGIC = {'V', 'T', 'C', '1'};

  /** The most tokens a contract may ask for: a reply must fit the coordinator's output cap. */
  public static final int MAX_TOKENS = 256;

  public ContractPrompt {
    Objects.requireNonNull(message, "message");
    if (message.isEmpty()) {
      throw new IllegalArgumentException("the message must not be empty");
    }
    if (maxTokens <= 0 || maxTokens > MAX_TOKENS) {
      throw new IllegalArgumentException(
          "maxTokens must be within 1.." + MAX_TOKENS + ", got " + maxTokens);
    }
  }

  /** Whether {@code input} starts like a contract prompt (its magic). */
  public static boolean looksLike(byte[] input) {
    return input.length >= MAGIC.length && Arrays.equals(input, 0, 4, MAGIC, 0, 4);
  }

  public byte[] encode() {
    byte[] text = message.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(8 + text.length).put(MAGIC).putInt(maxTokens).put(text).array();
  }

  /**
   * The prompt {@code input} encodes.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static ContractPrompt decode(byte[] input) {
    if (!looksLike(input)) {
      throw new IllegalArgumentException("contract prompt: wrong magic (want VTC1)");
    }
    if (input.length < 9) {
      throw new IllegalArgumentException("contract prompt: no message after the header");
    }
    long maxTokens = ByteBuffer.wrap(input, 4, 4).getInt() & 0xffffffffL;
    String message;
    try {
      message =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(input, 8, input.length - 8))
              .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("contract prompt: the message is not valid UTF-8", e);
    }
    if (maxTokens == 0 || maxTokens > MAX_TOKENS) {
      throw new IllegalArgumentException(
          "contract prompt: maxTokens must be within 1.." + MAX_TOKENS + ", got " + maxTokens);
    }
    return new ContractPrompt(message, (int) maxTokens);
  }
}
