package io.verinfer.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.web3j.crypto.ECKeyPair;

class PaymentHeadersTest {
  private static final LocalKeySigner CONSUMER =
      LocalKeySigner.of(ECKeyPair.create(BigInteger.valueOf(77)));
  private static final LocalKeySigner PROVIDER =
      LocalKeySigner.of(ECKeyPair.create(BigInteger.valueOf(78)));
  private static final Eip712Domain DOMAIN =
      Eip712Domain.verinfer(31337, Address.of("0x00000000000000000000000000000000000000bb"));

  @Property(tries = 100)
  void vouchersAndReceiptsRoundTrip(
      @ForAll @LongRange(min = 1, max = 1_000_000) long model,
      @ForAll @LongRange(min = 0) long amount,
      @ForAll @LongRange(min = 0) long calls) {
    SignedVoucher v =
        SignedVoucher.sign(
            new Voucher(
                CONSUMER.address(),
                PROVIDER.address(),
                ModelId.of(model),
                TokenAmount.of(amount),
                calls),
            DOMAIN,
            CONSUMER);
    assertThat(PaymentHeaders.decodeVoucher(PaymentHeaders.encode(v))).isEqualTo(v);
    SignedReceipt r =
        SignedReceipt.sign(
            new Receipt(
                CONSUMER.address(),
                PROVIDER.address(),
                ModelId.of(model),
                Bytes32.keccak256(new byte[] {1}),
                Bytes32.keccak256(new byte[] {2}),
                TokenAmount.of(amount),
                calls),
            DOMAIN,
            PROVIDER);
    SignedReceipt back = PaymentHeaders.decodeReceipt(PaymentHeaders.encode(r));
    assertThat(back).isEqualTo(r);
    assertThat(back.verify(DOMAIN)).isTrue();
  }

  @Property(tries = 100)
  void aMutatedHeaderIsRefusedOrNoLongerVerifies(@ForAll @IntRange(min = 0, max = 400) int at) {
    SignedVoucher v =
        SignedVoucher.sign(
            new Voucher(
                CONSUMER.address(), PROVIDER.address(), ModelId.of(3), TokenAmount.of(1000), 4),
            DOMAIN,
            CONSUMER);
    String header = PaymentHeaders.encode(v);
    int i = at % header.length();
    char c = header.charAt(i);
    String mutated = header.substring(0, i) + (c == '1' ? '2' : '1') + header.substring(i + 1);
    try {
      SignedVoucher parsed = PaymentHeaders.decodeVoucher(mutated);
      assertThat(parsed.equals(v) && parsed.verify(DOMAIN) ? "unchanged" : "changed")
          .isEqualTo("changed");
      assertThat(parsed.verify(DOMAIN) && parsed.voucher().equals(v.voucher())).isFalse();
    } catch (IllegalArgumentException refused) {
      assertThat(refused.getMessage()).isNotBlank();
    }
  }

  @org.junit.jupiter.api.Test
  void malformedHeadersAreNamed() {
    assertThatThrownBy(() -> PaymentHeaders.decodeVoucher("")).hasMessageContaining("empty");
    assertThatThrownBy(() -> PaymentHeaders.decodeVoucher("v2.a.b")).hasMessageContaining("v1");
    assertThatThrownBy(
            () -> PaymentHeaders.decodeVoucher("v1.0x00.0x00.1.2.3.0x" + "0".repeat(128)))
        .hasMessageContaining("consumer");
  }
}
