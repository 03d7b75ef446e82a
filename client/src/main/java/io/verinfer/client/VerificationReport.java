package io.verinfer.client;

import io.verinfer.protocol.Address;
import java.util.List;
import java.util.Objects;

/**
 * What was checked for one call.
 *
 * @param mode the verification asked for
 * @param outcome what the check found
 * @param providers every provider that ran the call, the one whose answer was returned first
 * @param dissenters providers whose output disagreed with the returned one (beyond the model's
 *     tolerance)
 * @param disputes ids of the disputes this call opened in {@code DisputeManager}
 * @param note a sentence on anything unusual (no independent provider to sample, a dispute that
 *     could not be opened and why), or empty
 */
public record VerificationReport(
    Verification mode,
    Outcome outcome,
    List<Address> providers,
    List<Address> dissenters,
    List<Long> disputes,
    String note) {

  /** What a check found. */
  public enum Outcome {
    /** No re-execution ran: mode none, or a sampled call that was not drawn. */
    NOT_CHECKED,
    /** Every provider that ran it agreed within the model's tolerance. */
    AGREED,
    /** Some disagreed; with redundant(k) a majority agreed on the returned answer. */
    MISMATCH,
    /** redundant(k): no answer had a majority; the largest group's answer was returned. */
    NO_MAJORITY,
    /** A check was asked for but could not run (e.g. no independent provider): see the note. */
    SKIPPED
  }

  public VerificationReport {
    Objects.requireNonNull(mode, "mode must not be null");
    Objects.requireNonNull(outcome, "outcome must not be null");
    providers = List.copyOf(providers);
    dissenters = List.copyOf(dissenters);
    disputes = List.copyOf(disputes);
    Objects.requireNonNull(note, "note must not be null");
  }

  /** One provider ran it and nothing was compared. */
  public static VerificationReport notChecked(Verification mode, Address provider) {
    return new VerificationReport(
        mode, Outcome.NOT_CHECKED, List.of(provider), List.of(), List.of(), "");
  }

  /** A one-line summary, e.g. for an HTTP header. */
  public String summary() {
    StringBuilder b = new StringBuilder(mode.toString()).append("; ").append(outcome);
    b.append("; providers=")
        .append(String.join(",", providers.stream().map(Address::value).toList()));
    if (!dissenters.isEmpty()) {
      b.append("; dissenters=")
          .append(String.join(",", dissenters.stream().map(Address::value).toList()));
    }
    if (!disputes.isEmpty()) {
      b.append("; disputes=")
          .append(String.join(",", disputes.stream().map(String::valueOf).toList()));
    }
    return b.toString();
  }
}
