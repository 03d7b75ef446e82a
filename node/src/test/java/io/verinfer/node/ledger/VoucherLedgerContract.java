package io.verinfer.node.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.LocalKeySigner;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import java.math.BigInteger;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
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

  @Test
  void keepsTheNewestVoucherPerLaneAndWhatIsUnredeemed() {
    try (VoucherLedger ledger = newLedger()) {
      SignedVoucher a1 = voucher(1, 10, 1);
      SignedVoucher a2 = voucher(1, 25, 2);
      SignedVoucher b1 = voucher(2, 7, 1);
      ledger.accept(a1);
      ledger.accept(a2);
      ledger.accept(b1);
      Lane laneA = Lane.of(a1.voucher());
      assertThat(ledger.latest(laneA)).contains(a2);
      assertThat(ledger.unredeemedBy(CONSUMER.address())).isEqualTo(TokenAmount.of(32));
      assertThat(ledger.pending()).containsExactlyInAnyOrder(a2, b1);

      ledger.markRedeemed(laneA, TokenAmount.of(25), 2);
      assertThat(ledger.unredeemed(laneA)).isEqualTo(TokenAmount.ZERO);
      assertThat(ledger.unredeemedBy(CONSUMER.address())).isEqualTo(TokenAmount.of(7));
      assertThat(ledger.pending()).containsExactly(b1);
      assertThat(ledger.latest(laneA).orElseThrow().signature()).isEqualTo(a2.signature());
    }
  }

  @Test
  void refusesAVoucherThatIsNotNewer() {
    try (VoucherLedger ledger = newLedger()) {
      ledger.accept(voucher(1, 10, 2));
      assertThatThrownBy(() -> ledger.accept(voucher(1, 10, 2)))
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> ledger.accept(voucher(1, 9, 3)))
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> ledger.accept(voucher(1, 50, 1)))
          .isInstanceOf(IllegalStateException.class);
      assertThat(
              ledger
                  .latest(Lane.of(voucher(1, 10, 2).voucher()))
                  .orElseThrow()
                  .voucher()
                  .cumulativeCalls())
          .isEqualTo(2);
    }
  }

  @Property(tries = 30)
  void theLatestVoucherIsTheNewestAcceptedOne(
      @ForAll @Size(min = 1, max = 20) List<@IntRange(min = 0, max = 5) Integer> steps) {
    try (VoucherLedger ledger = newLedger()) {
      long amount = 0;
      long calls = 0;
      for (int step : steps) {
        long nextAmount = amount + step;
        long nextCalls = calls + (step % 3 == 0 ? 0 : 1);
        SignedVoucher v = voucher(1, nextAmount, nextCalls);
        boolean newer = nextCalls > calls;
        if (newer) {
          ledger.accept(v);
          amount = nextAmount;
          calls = nextCalls;
        } else {
          assertThatThrownBy(() -> ledger.accept(v)).isInstanceOf(IllegalStateException.class);
        }
      }
      long expectedCalls = calls;
      assertThat(
              ledger
                  .latest(Lane.of(voucher(1, 0, 0).voucher()))
                  .map(s -> s.voucher().cumulativeCalls()))
          .isEqualTo(
              expectedCalls == 0
                  ? java.util.Optional.empty()
                  : java.util.Optional.of(expectedCalls));
    }
  }
}
