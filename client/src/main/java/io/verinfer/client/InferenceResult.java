package io.verinfer.client;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.Tensor;
import java.time.Duration;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * One paid inference: the outputs and the provider's signed receipt, already checked against the
 * request, the outputs and the voucher that paid for them. Keep the receipt: a receipt signed over
 * a wrong output is the provider's own proof of fraud.
 *
 * @param outputs the output tensors
 * @param receipt the provider's receipt for this call; null only when the client runs with payment
 *     switched off ({@link ClientOptions#paymentOff()})
 * @param provider the provider that served the call
 * @param latency the time from sending the request to that provider until its checked answer
 * @param promptTokens tokens the provider counted for a text call (0 for tensor calls); reported by
 *     the provider, not covered by its receipt
 * @param verification which verification mode ran and what it checked
 */
public record InferenceResult(
    List<Tensor> outputs,
    SignedReceipt receipt,
    Address provider,
    Duration latency,
    long promptTokens,
    VerificationReport verification) {
  /** Validates the fields and copies the outputs. */
  public InferenceResult {
    outputs = List.copyOf(Objects.requireNonNull(outputs, "outputs must not be null"));
    Objects.requireNonNull(provider, "provider must not be null");
    Objects.requireNonNull(latency, "latency must not be null");
    Objects.requireNonNull(verification, "verification must not be null");
    if (promptTokens < 0) {
      throw new IllegalArgumentException("promptTokens must be >= 0");
    }
    if (receipt != null && !receipt.receipt().provider().equals(provider)) {
      throw new IllegalArgumentException(
          "receipt is signed for provider "
              + receipt.receipt().provider()
              + ", not for "
              + provider);
    }
  }

  /** One provider's answer, not checked against another. */
  public InferenceResult(
      List<Tensor> outputs,
      SignedReceipt receipt,
      Address provider,
      Duration latency,
      long promptTokens) {
    this(
        outputs,
        receipt,
        provider,
        latency,
        promptTokens,
        VerificationReport.notChecked(Verification.none(), provider));
  }

  /** This result with another verification report. */
  public InferenceResult withVerification(VerificationReport report) {
    return new InferenceResult(outputs, receipt, provider, latency, promptTokens, report);
  }

  /** Whether the call was paid (and so carries a checked receipt). */
  public boolean paid() {
    return receipt != null;
  }

  /** The output named {@code name}. */
  public Tensor output(String name) {
    return outputs.stream()
        .filter(t -> t.name().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new NoSuchElementException(
                    "no output named '"
                        + name
                        + "'; outputs are "
                        + outputs.stream().map(Tensor::name).toList()));
  }
}
