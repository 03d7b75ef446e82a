package io.verinfer.node.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.VerinferException;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Which changes of a model's terms make the node refuse it, and from when. */
class TermsGuardTest {
  private static final ModelId MODEL = ModelId.of(7);
  private static final Instant T0 = Instant.parse("2026-12-07T00:00:00Z");
  private static final TermsGuard.Terms ACCEPTED =
      new TermsGuard.Terms(BigInteger.valueOf(100), 1_000);

  private final AtomicReference<TermsGuard.Schedule> chain =
      new AtomicReference<>(new TermsGuard.Schedule(ACCEPTED, Optional.empty(), Instant.MAX));
  private final AtomicReference<Boolean> down = new AtomicReference<>(false);

  private TermsGuard guard(Instant now) {
    TermsGuard g =
        new TermsGuard(
            m -> {
              if (down.get()) {
                throw new IllegalStateException("rpc down");
              }
              return chain.get();
            },
            Clock.fixed(now, ZoneOffset.UTC),
            Duration.ofMinutes(10),
            Duration.ZERO);
    return g;
  }

  private void schedule(TermsGuard.Terms next, Instant at) {
    chain.set(new TermsGuard.Schedule(ACCEPTED, Optional.of(next), at));
  }

  @Test
  void aWorseChangeIsRefusedFromTheMarginOnABetterOneNever() {
    TermsGuard.Terms higherRoyalty = new TermsGuard.Terms(BigInteger.valueOf(101), 1_000);
    TermsGuard.Terms tighter = new TermsGuard.Terms(BigInteger.valueOf(100), 999);
    TermsGuard.Terms better = new TermsGuard.Terms(BigInteger.valueOf(50), 2_000);
    Instant at = T0.plus(Duration.ofHours(1));
    for (TermsGuard.Terms worse : new TermsGuard.Terms[] {higherRoyalty, tighter}) {
      TermsGuard early = guard(at.minus(Duration.ofMinutes(11)));
      early.accept(MODEL);
      schedule(worse, at);
      assertThatCode(() -> early.check(MODEL)).doesNotThrowAnyException();
      TermsGuard late = guard(at.minus(Duration.ofMinutes(10)));
      chain.set(new TermsGuard.Schedule(ACCEPTED, Optional.empty(), Instant.MAX));
      late.accept(MODEL);
      schedule(worse, at);
      assertThatThrownBy(() -> late.check(MODEL))
          .isInstanceOfSatisfying(
              VerinferException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.MODEL_TERMS_CHANGED));
    }
    TermsGuard g = guard(at.plus(Duration.ofDays(1)));
    chain.set(new TermsGuard.Schedule(ACCEPTED, Optional.empty(), Instant.MAX));
    g.accept(MODEL);
    chain.set(new TermsGuard.Schedule(better, Optional.empty(), Instant.MAX));
    assertThatCode(() -> g.check(MODEL)).doesNotThrowAnyException();
  }

  @Test
  void termsInForceWorseThanAcceptedAreRefusedAndAnUnreachableChainKeepsTheLastRead() {
    TermsGuard g = guard(T0);
    g.accept(MODEL);
    chain.set(
        new TermsGuard.Schedule(
            new TermsGuard.Terms(BigInteger.valueOf(500), 1_000), Optional.empty(), Instant.MAX));
    assertThatThrownBy(() -> g.check(MODEL)).hasMessageContaining("royalty 500");
    down.set(true);
    assertThatThrownBy(() -> g.check(MODEL)).hasMessageContaining("accepted royalty 100");
    // a model the node does not offer is not this guard's to refuse
    assertThatCode(() -> g.check(ModelId.of(8))).doesNotThrowAnyException();
  }
}
