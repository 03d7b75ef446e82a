package io.verinfer.adapter;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import java.net.URI;
import java.util.Objects;

/**
 * What one probe of one provider for one model found.
 *
 * @param up {@code /health} answered 200 over the provider's registered transport (TLS pinned to
 *     its on-chain key when it registered one)
 * @param healthMicros the {@code /health} round trip, or -1 when it did not answer
 * @param canary how the paid canary went
 * @param canaryMicros the canary call's round trip (payment, inference, receipt check), or -1
 * @param note why a check failed, empty when none did
 */
public record ProviderProbe(
    Address provider,
    ModelId model,
    URI endpoint,
    boolean up,
    long healthMicros,
    CanaryResult canary,
    long canaryMicros,
    String note) {
  /** How a canary went. */
  public enum CanaryResult {
    /** answered within the model's tolerance of the known answer */
    PASSED,
    /** answered, and the answer is wrong */
    WRONG,
    /** no answer (down, refused, timed out, or an answer that did not check out) */
    NO_ANSWER
  }

  public ProviderProbe {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(canary, "canary");
    Objects.requireNonNull(note, "note");
  }

  /** Up and the canary right: what an availability report counts as available. */
  public boolean healthy() {
    return up && canary == CanaryResult.PASSED;
  }
}
