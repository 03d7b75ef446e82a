package io.verinfer.client;

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
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;

/** The contract every {@link LaneStore} passes (one subclass per implementation). */
abstract class LaneStoreContract {
  static final LocalKeySigner CONSUMER =
      LocalKeySigner.of(ECKeyPair.create(BigInteger.valueOf(777_777)));
  static final Address PROVIDER = Address.of("0x00000000000000000000000000000000000000aa");
  static final Address OTHER_PROVIDER = Address.of("0x00000000000000000000000000000000000000cc");
  static final Eip712Domain DOMAIN =
      Eip712Domain.verinfer(31337, Address.of("0x00000000000000000000000000000000000000bb"));
  static final Eip712Domain OTHER_DOMAIN =
      Eip712Domain.verinfer(1, Address.of("0x00000000000000000000000000000000000000bb"));
  static final LaneKey LANE = new LaneKey(CONSUMER.address(), PROVIDER, ModelId.of(1));

  /** A fresh, empty store. */
  protected abstract LaneStore newStore();

  static SignedVoucher voucher(LaneKey lane, long amount, long calls) {
    return SignedVoucher.sign(
        new Voucher(
            lane.consumer(), lane.provider(), lane.modelId(), TokenAmount.of(amount), calls),
        DOMAIN,
        CONSUMER);
  }

  static LaneEntry sent(LaneKey lane, long amount, long calls, long heldAmount, long heldCalls) {
    return new LaneEntry(voucher(lane, amount, calls), TokenAmount.of(heldAmount), heldCalls);
  }

  @Test
  void anUnknownLaneHasNoEntry() {
    try (LaneStore store = newStore()) {
      assertThat(store.find(LANE)).isEmpty();
      assertThat(store.unconfirmed()).isEmpty();
    }
  }

  @Test
  void keepsTheLastSignedVoucherAndWhetherTheProviderConfirmedIt() {
    try (LaneStore store = newStore()) {
      LaneEntry first = sent(LANE, 100, 1, 0, 0);
      store.save(first);
      assertThat(store.find(LANE)).contains(first);
      assertThat(store.find(LANE).orElseThrow().confirmed()).isFalse();
      assertThat(store.find(LANE).orElseThrow().voucher().verify(DOMAIN)).isTrue();
      assertThat(store.unconfirmed()).containsExactly(first);

      LaneEntry confirmed = LaneEntry.confirmed(first.voucher());
      store.save(confirmed);
      assertThat(store.find(LANE)).contains(confirmed);
      assertThat(store.find(LANE).orElseThrow().confirmed()).isTrue();
      assertThat(store.unconfirmed()).isEmpty();
    }
  }

  @Test
  void lanesAreIndependent() {
    try (LaneStore store = newStore()) {
      LaneKey otherProvider = new LaneKey(CONSUMER.address(), OTHER_PROVIDER, ModelId.of(1));
      LaneKey otherModel = new LaneKey(CONSUMER.address(), PROVIDER, ModelId.of(2));
      store.save(LaneEntry.confirmed(voucher(LANE, 500, 5)));
      store.save(sent(otherProvider, 10, 1, 0, 0));
      store.save(LaneEntry.confirmed(voucher(otherModel, 3, 1)));
      assertThat(store.find(LANE).orElseThrow().voucher().voucher().cumulativeCalls()).isEqualTo(5);
      assertThat(store.find(otherProvider).orElseThrow().voucher().voucher().cumulativeCalls())
          .isEqualTo(1);
      assertThat(store.find(otherModel).orElseThrow().confirmed()).isTrue();
      assertThat(store.unconfirmed()).extracting(LaneEntry::lane).containsExactly(otherProvider);
    }
  }

  @Test
  void neverMovesALaneBackwards() {
    try (LaneStore store = newStore()) {
      LaneEntry stored = sent(LANE, 300, 3, 200, 2);
      store.save(stored);
      assertThatThrownBy(() -> store.save(sent(LANE, 300, 2, 200, 2)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("below the one already signed");
      assertThatThrownBy(() -> store.save(sent(LANE, 299, 3, 200, 2)))
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> store.save(sent(LANE, 400, 4, 100, 1)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("refusing to record less");
      SignedVoucher sameValuesOtherSignature =
          SignedVoucher.sign(stored.voucher().voucher(), OTHER_DOMAIN, CONSUMER);
      assertThatThrownBy(
              () -> store.save(new LaneEntry(sameValuesOtherSignature, TokenAmount.of(200), 2)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("second, different signature");
      assertThat(store.find(LANE)).contains(stored);
    }
  }

  @Test
  void acceptsTheSameVoucherAgainAndAHigherAmountForTheSameCall() {
    try (LaneStore store = newStore()) {
      store.save(sent(LANE, 300, 3, 200, 2));
      store.save(sent(LANE, 300, 3, 200, 2)); // re-sent unchanged: idempotent
      store.save(sent(LANE, 350, 3, 200, 2)); // re-signed for the same call at a higher price
      assertThat(store.find(LANE).orElseThrow().voucher().voucher().cumulativeAmount())
          .isEqualTo(TokenAmount.of(350));
    }
  }

  private static TokenAmount min(TokenAmount a, TokenAmount b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** One step of a random history: sign a voucher some way ahead or behind, maybe confirm it. */
  @Property(tries = 40)
  void storesExactlyTheForwardMovesOfARandomHistory(
      @ForAll @Size(min = 1, max = 25) List<@IntRange(min = -2, max = 3) Integer> callSteps,
      @ForAll @Size(min = 25, max = 25) List<@IntRange(min = -50, max = 200) Integer> amountSteps,
      @ForAll @Size(min = 25, max = 25) List<Boolean> confirms) {
    try (LaneStore store = newStore()) {
      Optional<LaneEntry> model = Optional.empty();
      for (int i = 0; i < callSteps.size(); i++) {
        long calls = model.map(e -> e.voucher().voucher().cumulativeCalls()).orElse(0L);
        long amount =
            model
                .map(e -> e.voucher().voucher().cumulativeAmount().baseUnits().longValue())
                .orElse(0L);
        long nextCalls = Math.max(0, calls + callSteps.get(i));
        long nextAmount = Math.max(0, amount + amountSteps.get(i));
        SignedVoucher v = voucher(LANE, nextAmount, nextCalls);
        LaneEntry next =
            confirms.get(i)
                ? LaneEntry.confirmed(v)
                : new LaneEntry(
                    v,
                    min(
                        model.map(LaneEntry::heldAmount).orElse(TokenAmount.ZERO),
                        v.voucher().cumulativeAmount()),
                    Math.min(model.map(LaneEntry::heldCalls).orElse(0L), nextCalls));
        boolean forward =
            model.isEmpty()
                || (nextCalls >= calls
                    && nextAmount >= amount
                    && next.heldCalls() >= model.get().heldCalls()
                    && next.heldAmount().compareTo(model.get().heldAmount()) >= 0);
        if (forward) {
          store.save(next);
          model = Optional.of(next);
        } else {
          assertThatThrownBy(() -> store.save(next)).isInstanceOf(IllegalStateException.class);
        }
        assertThat(store.find(LANE)).isEqualTo(model);
      }
    }
  }
}
