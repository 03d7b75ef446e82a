package io.verinfer.node.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.LocalKeySigner;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.VerinferException;
import io.verinfer.protocol.Voucher;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;

/** The contract every {@link VoucherLedger} passes (one subclass per implementation). */
abstract class VoucherLedgerContract {
  static final LocalKeySigner CONSUMER =
      LocalKeySigner.of(ECKeyPair.create(BigInteger.valueOf(424242)));
  static final Address PROVIDER = Address.of("0x00000000000000000000000000000000000000aa");
  static final Eip712Domain DOMAIN =
      Eip712Domain.verinfer(31337, Address.of("0x00000000000000000000000000000000000000bb"));

  protected abstract VoucherLedger newLedger();

  static SignedVoucher voucher(long model, long amount, long calls) {
    return SignedVoucher.sign(
        new Voucher(CONSUMER.address(), PROVIDER, ModelId.of(model), TokenAmount.of(amount), calls),
        DOMAIN,
        CONSUMER);
  }

  static final TokenAmount PRICE = TokenAmount.of(3);

  static List<SignedVoucher> newest(List<LaneRecord> records) {
    return records.stream().map(r -> r.newest().orElseThrow()).toList();
  }

  @Test
  void paysATextLaneMonotonically() {
    try (VoucherLedger ledger = newLedger()) {
      SignedVoucher open = voucher(9, 0, 1);
      SignedVoucher paid = voucher(9, 40, 1);
      SignedVoucher next = voucher(9, 40, 2);
      ledger.pay(open);
      ledger.pay(paid);
      assertThat(ledger.pay(next).newest()).contains(next);
      for (SignedVoucher stale : List.of(next, paid, voucher(9, 39, 3), voucher(9, 50, 1))) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ledger.pay(stale))
            .isInstanceOf(VerinferException.class)
            .hasMessageContaining("does not rise");
      }
      assertThat(ledger.latest(Lane.of(next.voucher()))).contains(next);
      assertThat(ledger.unredeemedBy(CONSUMER.address())).isEqualTo(TokenAmount.of(40));
    }
  }

  @Test
  void keepsTheNewestVoucherPerLaneAndWhatIsUnredeemed() {
    try (VoucherLedger ledger = newLedger()) {
      SignedVoucher a1 = voucher(1, 10, 1);
      SignedVoucher a2 = voucher(1, 25, 2);
      SignedVoucher b1 = voucher(2, 7, 1);
      ledger.serve(a1, PRICE);
      ledger.serve(a2, PRICE);
      ledger.serve(b1, PRICE);
      Lane laneA = Lane.of(a1.voucher());
      assertThat(ledger.latest(laneA)).contains(a2);
      assertThat(ledger.unredeemedBy(CONSUMER.address())).isEqualTo(TokenAmount.of(32));
      assertThat(newest(ledger.pending())).containsExactlyInAnyOrder(a2, b1);

      ledger.markRedeemed(laneA, TokenAmount.of(25), 2);
      assertThat(ledger.unredeemed(laneA)).isEqualTo(TokenAmount.ZERO);
      assertThat(ledger.unredeemedBy(CONSUMER.address())).isEqualTo(TokenAmount.of(7));
      assertThat(newest(ledger.pending())).containsExactly(b1);
      assertThat(ledger.latest(laneA).orElseThrow().signature()).isEqualTo(a2.signature());
      assertThat(ledger.lane(laneA).redeemedCalls()).isEqualTo(2);
    }
  }

  @Test
  void answersEachCallOnceAndLateCallsFillTheirGaps() {
    try (VoucherLedger ledger = newLedger()) {
      Lane lane = Lane.of(voucher(1, 0, 1).voucher());
      ledger.serve(voucher(1, 9, 3), PRICE); // pays for #1..#3, answers #3
      assertThat(ledger.lane(lane).gaps()).containsExactly(1, 2);
      assertThat(code(() -> ledger.serve(voucher(1, 9, 3), PRICE))).isEqualTo("STALE_VOUCHER");
      assertThat(code(() -> ledger.serve(voucher(1, 11, 4), PRICE)))
          .isEqualTo("VOUCHER_BELOW_PRICE");
      ledger.serve(voucher(1, 3, 1), PRICE); // late: #3's voucher paid for it
      assertThat(code(() -> ledger.serve(voucher(1, 3, 1), PRICE))).isEqualTo("STALE_VOUCHER");
      assertThat(ledger.lane(lane).gaps()).containsExactly(2);
      assertThat(ledger.lane(lane).calls()).isEqualTo(3);
      assertThat(ledger.unredeemedBy(CONSUMER.address())).isEqualTo(TokenAmount.of(9));
    }
  }

  @Test
  void concurrentCallsOnOneLaneAreEachRecordedOnce() throws Exception {
    int calls = 400;
    List<Long> order = new ArrayList<>();
    for (long c = 1; c <= calls; c++) {
      order.add(c);
    }
    Collections.shuffle(order, new Random(7));
    try (VoucherLedger ledger = newLedger();
        ExecutorService pool = Executors.newFixedThreadPool(8)) {
      List<Future<Boolean>> results = new ArrayList<>();
      for (long c : order) {
        results.add(
            pool.submit(
                () -> {
                  try {
                    ledger.serve(voucher(1, c * 3, c), PRICE);
                    return true;
                  } catch (VerinferException e) {
                    return false; // ahead by more than the window: refused, nothing changed
                  }
                }));
      }
      long answered = 0;
      for (Future<Boolean> r : results) {
        answered += r.get() ? 1 : 0;
      }
      LaneRecord lane = ledger.lane(Lane.of(voucher(1, 0, 1).voucher()));
      assertThat(answered).isEqualTo(calls);
      assertThat(lane.calls()).isEqualTo(calls);
      assertThat(lane.gaps()).isEmpty();
      assertThat(ledger.unredeemedBy(CONSUMER.address())).isEqualTo(PRICE.times(calls));
    }
  }

  static String code(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(call);
    assertThat(t).isInstanceOf(VerinferException.class);
    return ((VerinferException) t).code().name();
  }
}
