package io.verinfer.node.ledger;

import static io.verinfer.node.ledger.VoucherLedgerContract.CONSUMER;
import static io.verinfer.node.ledger.VoucherLedgerContract.code;
import static io.verinfer.node.ledger.VoucherLedgerContract.voucher;
import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.protocol.LaneWindow;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.VerinferException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class LaneRecordTest {
  private static final TokenAmount PRICE = TokenAmount.of(5);
  private static final Lane LANE = Lane.of(voucher(1, 0, 1).voucher());

  /** One arriving voucher: call number and how much below the honest amount it is signed. */
  record Arrival(long call, long shortBy) {}

  @Provide
  Arbitrary<List<Arrival>> arrivals() {
    Arbitrary<Long> calls =
        Arbitraries.oneOf(
            Arbitraries.longs().between(1, 40), Arbitraries.longs().between(1, 2 * 1024 + 60));
    Arbitrary<Long> shortBy =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(8, Arbitraries.just(0L)),
            net.jqwik.api.Tuple.of(1, Arbitraries.longs().between(1, 20)));
    return Combinators.combine(calls, shortBy).as(Arrival::new).list().ofMaxSize(120);
  }

  @Property(tries = 300)
  void everyAnsweredCallIsPaidForAndAnsweredOnce(@ForAll("arrivals") List<Arrival> arrivals) {
    LaneRecord lane = LaneRecord.empty(LANE);
    Set<Long> answered = new HashSet<>();
    for (Arrival a : arrivals) {
      long honest = PRICE.times(a.call()).baseUnits().longValueExact();
      SignedVoucher v = voucher(1, Math.max(0, honest - a.shortBy()), a.call());
      LaneRecord before = lane;
      try {
        lane = lane.serve(v, PRICE);
      } catch (VerinferException e) {
        assertThat(lane).as("a refusal changes nothing").isEqualTo(before);
        continue;
      }
      assertThat(answered.add(a.call())).as("call #%d answered twice", a.call()).isTrue();
      assertThat(lane.calls()).isGreaterThanOrEqualTo(before.calls());
      assertThat(lane.amount()).isGreaterThanOrEqualTo(before.amount());
    }
    // the provider is paid for every call it answered, by the one voucher it will redeem
    assertThat(lane.amount()).isGreaterThanOrEqualTo(PRICE.times(answered.size()));
    for (long c = Math.max(1, lane.calls() - LaneWindow.SIZE + 1); c <= lane.calls(); c++) {
      assertThat(lane.answered(c)).as("#%d", c).isEqualTo(answered.contains(c));
    }
    long newest = lane.calls();
    assertThat(answered).allMatch(c -> c <= newest);
  }

  @Test
  void aVoucherMayRunAheadOnlyWithinTheWindowAndPayingForWhatItSkips() {
    LaneRecord lane = LaneRecord.empty(LANE).serve(voucher(1, 5, 1), PRICE);
    long far = 1 + LaneWindow.SIZE + 1;
    assertThat(code(() -> lane.admit(voucher(1, 5 * far, far).voucher(), PRICE)))
        .isEqualTo("VOUCHER_SKIPS_CALLS");
    assertThat(code(() -> lane.admit(voucher(1, 14, 3).voucher(), PRICE)))
        .isEqualTo("VOUCHER_BELOW_PRICE");
    assertThat(lane.admit(voucher(1, 15, 3).voucher(), PRICE)).isEqualTo(TokenAmount.of(10));
    LaneRecord ahead = lane.serve(voucher(1, 15, 3), PRICE);
    assertThat(ahead.gaps()).containsExactly(2);
    assertThat(ahead.admit(voucher(1, 0, 2).voucher(), PRICE)).isEqualTo(TokenAmount.ZERO);
    assertThat(code(() -> ahead.admit(voucher(1, 15, 3).voucher(), PRICE)))
        .isEqualTo("STALE_VOUCHER");
    assertThat(ahead.unredeemed()).isEqualTo(TokenAmount.of(15));
    assertThat(ahead.redeemed(TokenAmount.of(15), 3).pending()).isFalse();
    assertThat(CONSUMER.address()).isEqualTo(LANE.consumer());
  }

  @Test
  void gapsOlderThanTheWindowExpire() {
    LaneRecord lane = LaneRecord.empty(LANE).serve(voucher(1, 10, 2), PRICE); // gap #1
    long next = 2 + LaneWindow.SIZE;
    LaneRecord moved = lane.serve(voucher(1, 5 * next, next), PRICE);
    assertThat(moved.gaps()).doesNotContain(1L).hasSize(LaneWindow.SIZE - 1);
    assertThat(code(() -> moved.admit(voucher(1, 5, 1).voucher(), PRICE)))
        .isEqualTo("STALE_VOUCHER");
  }
}
