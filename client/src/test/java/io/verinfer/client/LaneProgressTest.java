package io.verinfer.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class LaneProgressTest {
  private static final LaneKey LANE = LaneStoreContract.LANE;

  private static LaneEntry entry(long amount, long calls, long heldAmount, long heldCalls) {
    return LaneStoreContract.sent(LANE, amount, calls, heldAmount, heldCalls);
  }

  @Test
  void aNewLaneStartsAtOneCallForOnePrice() {
    Voucher v = LaneProgress.next(LANE, Optional.empty(), TokenAmount.of(40));
    assertThat(v.cumulativeCalls()).isEqualTo(1);
    assertThat(v.cumulativeAmount()).isEqualTo(TokenAmount.of(40));
    assertThat(LaneKey.of(v)).isEqualTo(LANE);
  }

  @Test
  void aConfirmedLaneAdvancesByOneCallAndOnePrice() {
    LaneEntry confirmed = LaneEntry.confirmed(LaneStoreContract.voucher(LANE, 120, 3));
    Voucher v = LaneProgress.next(LANE, Optional.of(confirmed), TokenAmount.of(40));
    assertThat(v.cumulativeCalls()).isEqualTo(4);
    assertThat(v.cumulativeAmount()).isEqualTo(TokenAmount.of(160));
  }

  @Test
  void aVoucherTheProviderDoesNotHoldIsSentAgainUnchanged() {
    LaneEntry unconfirmed = entry(160, 4, 120, 3);
    Voucher v = LaneProgress.next(LANE, Optional.of(unconfirmed), TokenAmount.of(40));
    assertThat(v).isEqualTo(unconfirmed.voucher().voucher());
    Voucher cheaper = LaneProgress.next(LANE, Optional.of(unconfirmed), TokenAmount.of(10));
    assertThat(cheaper)
        .as("never below what was signed")
        .isEqualTo(unconfirmed.voucher().voucher());
    Voucher dearer = LaneProgress.next(LANE, Optional.of(unconfirmed), TokenAmount.of(50));
    assertThat(dearer.cumulativeCalls()).isEqualTo(4);
    assertThat(dearer.cumulativeAmount()).isEqualTo(TokenAmount.of(170));
  }

  @Test
  void reconcilingKeepsConfirmsOrRefusesWhatTheProviderReports() {
    LaneEntry unconfirmed = entry(160, 4, 120, 3);
    assertThat(LaneProgress.reconcile(unconfirmed, TokenAmount.of(120), 3)).contains(unconfirmed);
    assertThat(
            LaneProgress.reconcile(unconfirmed, TokenAmount.of(160), 4).orElseThrow().confirmed())
        .isTrue();
    assertThat(LaneProgress.reconcile(unconfirmed, TokenAmount.of(200), 5)).as("more").isEmpty();
    assertThat(LaneProgress.reconcile(unconfirmed, TokenAmount.of(80), 2)).as("less").isEmpty();
    assertThat(LaneProgress.reconcile(unconfirmed, TokenAmount.of(999), 4))
        .as("unsigned")
        .isEmpty();
    assertThat(LaneProgress.reconcile(unconfirmed, TokenAmount.of(0), 0)).as("forgot").isEmpty();
  }

  /**
   * Whatever the provider kept after each lost reply, and however the price moves, the client's
   * next voucher is exactly one call beyond what the provider holds and never below a voucher it
   * signed: the node accepts it and no call is paid twice.
   */
  @Property(tries = 300)
  void everyNextVoucherIsOneCallAheadOfTheProviderAndNeverBelowWhatWasSigned(
      @ForAll @IntRange(min = 1, max = 30) int calls,
      @ForAll("seeds") long seed,
      @ForAll @LongRange(min = 1, max = 1_000) long basePrice) {
    java.util.Random random = new java.util.Random(seed);
    Optional<LaneEntry> entry = Optional.empty();
    TokenAmount providerAmount = TokenAmount.ZERO;
    long providerCalls = 0;
    for (int i = 0; i < calls; i++) {
      if (entry.isPresent() && !entry.get().confirmed()) {
        entry = LaneProgress.reconcile(entry.get(), providerAmount, providerCalls);
        assertThat(entry).as("an honest provider never conflicts").isPresent();
      }
      TokenAmount price = TokenAmount.of(basePrice + random.nextInt(50)); // the price moves
      Voucher next = LaneProgress.next(LANE, entry, price);
      assertThat(next.cumulativeCalls()).isEqualTo(providerCalls + 1);
      assertThat(next.cumulativeAmount().minus(providerAmount)).isGreaterThanOrEqualTo(price);
      entry.ifPresent(
          e -> {
            assertThat(next.cumulativeAmount())
                .isGreaterThanOrEqualTo(e.voucher().voucher().cumulativeAmount());
            assertThat(next.cumulativeCalls())
                .isGreaterThanOrEqualTo(e.voucher().voucher().cumulativeCalls());
          });
      SignedVoucher signed =
          LaneStoreContract.voucher(
              LANE, next.cumulativeAmount().baseUnits().longValueExact(), next.cumulativeCalls());
      boolean providerKeepsIt = random.nextInt(4) != 0;
      boolean replyArrives = providerKeepsIt && random.nextInt(3) != 0;
      if (providerKeepsIt) {
        providerAmount = next.cumulativeAmount();
        providerCalls = next.cumulativeCalls();
      }
      entry =
          Optional.of(
              replyArrives
                  ? LaneEntry.confirmed(signed)
                  : new LaneEntry(
                      signed,
                      entry.map(LaneEntry::heldAmount).orElse(TokenAmount.ZERO),
                      entry.map(LaneEntry::heldCalls).orElse(0L)));
    }
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<Long> seeds() {
    return net.jqwik.api.Arbitraries.longs();
  }
}
