package io.verinfer.node.payment;

import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.VerinferException;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Refuses paid work on a model whose terms changed under the node. A model's author may change its
 * royalty and tolerance; the change waits out {@code termsNotice} (at least 1 h) and then applies
 * to every redemption. This node accepts the terms in force when it starts offering the model; it
 * refuses new vouchers ({@link ErrorCode#MODEL_TERMS_CHANGED}, HTTP 409) once the terms in force
 * are worse than those — a higher royalty takes from the provider's share, a lower tolerance may
 * make its honest outputs "wrong" in a dispute — and already {@code margin} before a worse change
 * takes effect, so its settler (every 2 min by default) redeems what it holds at the old split
 * before the change. Better terms are taken as they come. The operator accepts new terms by
 * restarting the node (it then offers the model under them).
 *
 * <p>The chain is read at most once per {@code ttl} per model; if it cannot be read, the last terms
 * read stand.
 */
public final class TermsGuard {
  /** A model's royalty (in the registry's unit; higher takes more) and tolerance. */
  public record Terms(BigInteger royalty, long tolerancePpm) {
    boolean worseThan(Terms accepted) {
      return royalty.compareTo(accepted.royalty) > 0 || tolerancePpm < accepted.tolerancePpm;
    }
  }

  /** The terms in force and a scheduled change ({@code next} empty when none is pending). */
  public record Schedule(Terms now, Optional<Terms> next, Instant changesAt) {}

  /** Reads a model's schedule from the chain. */
  @FunctionalInterface
  public interface Source {
    Schedule read(ModelId model);
  }

  private record Seen(Schedule schedule, Instant at) {}

  private final Source source;
  private final Clock clock;
  private final Duration margin;
  private final Duration ttl;
  private final Map<ModelId, Terms> accepted = new ConcurrentHashMap<>();
  private final Map<ModelId, Seen> seen = new ConcurrentHashMap<>();

  public TermsGuard(Source source, Clock clock, Duration margin, Duration ttl) {
    this.source = source;
    this.clock = clock;
    this.margin = margin;
    this.ttl = ttl;
  }

  /** Accepts the terms in force now for {@code model} (when the node starts offering it). */
  public void accept(ModelId model) {
    Schedule s = source.read(model);
    accepted.put(model, s.now());
    seen.put(model, new Seen(s, clock.instant()));
  }

  /** The terms this node accepted for {@code model}, if it offers it. */
  public Optional<Terms> accepted(ModelId model) {
    return Optional.ofNullable(accepted.get(model));
  }

  /** Throws {@link ErrorCode#MODEL_TERMS_CHANGED} when {@code model}'s terms changed for worse. */
  public void check(ModelId model) {
    Terms mine = accepted.get(model);
    if (mine == null) {
      return; // not an offered model: the gate refuses it elsewhere
    }
    Schedule s = schedule(model);
    Instant now = clock.instant();
    if (s.now().worseThan(mine)) {
      throw refusal(model, mine, s.now(), "are now");
    }
    if (s.next().isPresent()
        && s.next().get().worseThan(mine)
        && !now.isBefore(s.changesAt().minus(margin))) {
      throw refusal(model, mine, s.next().get(), "become at " + s.changesAt());
    }
  }

  private Schedule schedule(ModelId model) {
    Instant now = clock.instant();
    Seen last = seen.get(model);
    if (last != null && Duration.between(last.at(), now).compareTo(ttl) < 0) {
      return last.schedule();
    }
    try {
      Schedule fresh = source.read(model);
      seen.put(model, new Seen(fresh, now));
      return fresh;
    } catch (RuntimeException e) {
      if (last == null) {
        throw e;
      }
      // the chain is unreachable: the last terms read stand, and are asked again after ttl
      seen.put(model, new Seen(last.schedule(), now));
      return last.schedule();
    }
  }

  private static VerinferException refusal(ModelId model, Terms mine, Terms theirs, String when) {
    return new VerinferException(
        ErrorCode.MODEL_TERMS_CHANGED,
        "model",
        "model "
            + model.value()
            + "'s terms "
            + when
            + " royalty "
            + theirs.royalty()
            + ", tolerance "
            + theirs.tolerancePpm()
            + " ppm; this node accepted royalty "
            + mine.royalty()
            + ", tolerance "
            + mine.tolerancePpm()
            + " ppm and serves the model again once its operator accepts the new terms"
            + " (restart)");
  }

  /** A model's schedule as the chain's ModelRegistry reports it. */
  public static Source fromChain(io.verinfer.chain.facade.ModelRegistryFacade models) {
    return id -> {
      var m = models.model(id);
      var next = models.scheduledTerms(id);
      return new Schedule(
          new Terms(m.royaltyPerCall().baseUnits(), m.tolerancePpm()),
          next.map(n -> new Terms(n.royaltyPerCall().baseUnits(), n.tolerancePpm())),
          next.map(n -> n.changesAt()).orElse(Instant.MAX));
    };
  }
}
