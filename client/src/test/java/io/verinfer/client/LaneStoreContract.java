package io.verinfer.client;

import static org.assertj.core.api.Assertions.assertThat;

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

  @Test
  void anUnknownLaneHasNoVoucher() {
    try (LaneStore store = newStore()) {
      assertThat(store.newest(LANE)).isEmpty();
      assertThat(store.all()).isEmpty();
    }
  }

  @Test
  void keepsTheNewestVoucherOfEachLane() {
    try (LaneStore store = newStore()) {
      LaneKey otherProvider = new LaneKey(CONSUMER.address(), OTHER_PROVIDER, ModelId.of(1));
      LaneKey otherModel = new LaneKey(CONSUMER.address(), PROVIDER, ModelId.of(2));
      SignedVoucher first = voucher(LANE, 100, 1);
      store.saveAll(List.of(first));
      assertThat(store.newest(LANE)).contains(first);
      assertThat(store.newest(LANE).orElseThrow().verify(DOMAIN)).isTrue();
      SignedVoucher fifth = voucher(LANE, 500, 5);
      SignedVoucher other = voucher(otherProvider, 10, 1);
      SignedVoucher model2 = voucher(otherModel, 3, 1);
      store.saveAll(List.of(fifth, other, model2));
      assertThat(store.newest(LANE)).contains(fifth);
      assertThat(store.newest(otherProvider)).contains(other);
      assertThat(store.newest(otherModel)).contains(model2);
      assertThat(store.all()).containsExactlyInAnyOrder(fifth, other, model2);
    }
  }

  @Test
  void neverMovesALaneBackwards() {
    try (LaneStore store = newStore()) {
      SignedVoucher third = voucher(LANE, 300, 3);
      store.saveAll(List.of(third));
      store.saveAll(List.of(voucher(LANE, 200, 2))); // an older save arriving late: ignored
      store.saveAll(List.of(SignedVoucher.sign(third.voucher(), OTHER_DOMAIN, CONSUMER)));
      assertThat(store.newest(LANE)).contains(third);
    }
  }

  /** A random history of saves: the store holds, per lane, the save with the most calls. */
  @Property(tries = 40)
  void holdsTheSaveWithTheMostCalls(
      @ForAll @Size(min = 1, max = 25) List<@IntRange(min = 0, max = 30) Integer> calls) {
    try (LaneStore store = newStore()) {
      Optional<SignedVoucher> expected = Optional.empty();
      for (int c : calls) {
        SignedVoucher v = voucher(LANE, 7L * c, c);
        store.saveAll(List.of(v));
        if (expected.isEmpty() || c > expected.get().voucher().cumulativeCalls()) {
          expected = Optional.of(v);
        }
        assertThat(store.newest(LANE)).isEqualTo(expected);
      }
    }
  }
}
