package io.verinfer.client;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.text.TextOutput;
import io.verinfer.protocol.text.TextRequest;
import java.time.Duration;
import java.util.Objects;

/**
 * One paid text generation, every checkpoint of it checked and paid: the completion, how it ended,
 * the token counts, what it cost, and the provider's final signed receipt over it. Keep the
 * receipt: its {@code inputHash} is the hash of {@link #request()} and its {@code outputHash} the
 * hash of {@link #output()}, so a wrong completion is the provider's own proof of fraud.
 *
 * @param text the completion's text as the provider sent it
 * @param output the completion's token ids and end, as the final receipt commits to them
 * @param request what the provider committed to having run (prompt token ids and parameters)
 * @param amount what this generation cost: prompt tokens at the quoted input price plus completion
 *     tokens at the output price, which is what the client paid for it on the lane
 * @param call the stream's call number on its lane
 * @param receipt the provider's final checkpoint; null only with payment switched off
 * @param provider the provider that generated it
 * @param timeToFirstToken from sending the request until the first completion token arrived
 * @param latency from sending the request until the final checkpoint was checked
 * @param verification which verification mode ran and what it checked
 */
public record TextResult(
    String text,
    TextOutput output,
    TextRequest request,
    TokenAmount amount,
    long call,
    SignedReceipt receipt,
    Address provider,
    Duration timeToFirstToken,
    Duration latency,
    VerificationReport verification) {
  public TextResult {
    Objects.requireNonNull(text, "text must not be null");
    Objects.requireNonNull(output, "output must not be null");
    Objects.requireNonNull(request, "request must not be null");
    Objects.requireNonNull(amount, "amount must not be null");
    Objects.requireNonNull(provider, "provider must not be null");
    Objects.requireNonNull(timeToFirstToken, "timeToFirstToken must not be null");
    Objects.requireNonNull(latency, "latency must not be null");
    Objects.requireNonNull(verification, "verification must not be null");
  }

  /** Prompt tokens, as the provider tokenized the prompt (covered by the receipt). */
  public int promptTokens() {
    return request.promptTokens().length;
  }

  /** Completion tokens received (covered by the receipt). */
  public int completionTokens() {
    return output.tokenCount();
  }

  /**
   * OpenAI's {@code finish_reason}: {@code stop}, {@code length}, or {@code cancelled} when the
   * provider ended the stream early.
   */
  public String finishReason() {
    return switch (output.end()) {
      case STOP -> "stop";
      case LENGTH -> "length";
      case CANCELLED, RUNNING -> "cancelled";
    };
  }

  /** Whether it was paid (and so carries a checked receipt). */
  public boolean paid() {
    return receipt != null;
  }

  /** This result with another verification report. */
  public TextResult withVerification(VerificationReport report) {
    return new TextResult(
        text, output, request, amount, call, receipt, provider, timeToFirstToken, latency, report);
  }
}
