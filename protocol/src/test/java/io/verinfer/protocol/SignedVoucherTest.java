package io.verinfer.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class SignedVoucherTest {
  record Case(LocalKeySigner signer, Voucher voucher, Eip712Domain domain) {
    SignedVoucher signed() {
      return SignedVoucher.sign(voucher, domain, signer);
    }
  }

  @Property(tries = 300)
  void signedVoucherVerifies(@ForAll("cases") Case c) {
    SignedVoucher signed = c.signed();
    assertThat(signed.verify(c.domain())).isTrue();
    Signature compact = Signature.fromCompact(signed.signature().r(), signed.signature().vs());
    assertThat(new SignedVoucher(c.voucher(), compact).verify(c.domain())).isTrue();
  }

  @Property(tries = 300)
  void anyMutatedFieldFailsVerification(
      @ForAll("cases") Case c,
      @ForAll("vouchers") Voucher other,
      @ForAll @IntRange(min = 0, max = 4) int field) {
    Voucher v = c.voucher();
    Voucher mutated =
        switch (field) {
          case 0 ->
              new Voucher(
                  other.consumer(),
                  v.provider(),
                  v.modelId(),
                  v.cumulativeAmount(),
                  v.cumulativeCalls());
          case 1 ->
              new Voucher(
                  v.consumer(),
                  other.provider(),
                  v.modelId(),
                  v.cumulativeAmount(),
                  v.cumulativeCalls());
          case 2 ->
              new Voucher(
                  v.consumer(),
                  v.provider(),
                  other.modelId(),
                  v.cumulativeAmount(),
                  v.cumulativeCalls());
          case 3 ->
              new Voucher(
                  v.consumer(),
                  v.provider(),
                  v.modelId(),
                  other.cumulativeAmount(),
                  v.cumulativeCalls());
          default ->
              new Voucher(
                  v.consumer(),
                  v.provider(),
                  v.modelId(),
                  v.cumulativeAmount(),
                  other.cumulativeCalls());
        };
    Assume.that(!mutated.equals(v));
    assertThat(new SignedVoucher(mutated, c.signed().signature()).verify(c.domain())).isFalse();
  }

  @Property(tries = 300)
  void tamperedCompactSignatureFailsVerification(
      @ForAll("cases") Case c,
      @ForAll @IntRange(min = 0, max = 63) int index,
      @ForAll @IntRange(min = 0, max = 7) int bit) {
    Signature sig = c.signed().signature();
    byte[] rvs = new byte[64];
    System.arraycopy(sig.r().bytes(), 0, rvs, 0, 32);
    System.arraycopy(sig.vs().bytes(), 0, rvs, 32, 32);
    rvs[index] ^= (byte) (1 << bit);
    Bytes32 r = Bytes32.of(Arrays.copyOfRange(rvs, 0, 32));
    Bytes32 vs = Bytes32.of(Arrays.copyOfRange(rvs, 32, 64));

    assertThat(new SignedVoucher(c.voucher(), Signature.fromCompact(r, vs)).verify(c.domain()))
        .isFalse();
  }

  @Property(tries = 300)
  void tamperedSignatureByteFailsVerification(
      @ForAll("cases") Case c,
      @ForAll @IntRange(min = 0, max = 64) int index,
      @ForAll @IntRange(min = 1, max = 255) int xor) {
    byte[] bytes = c.signed().signature().toBytes65();
    bytes[index] ^= (byte) xor;
    Signature tampered;
    try {
      tampered = Signature.fromBytes65(bytes);
    } catch (IllegalArgumentException rejected) {
      return;
    }
    if (tampered.equals(c.signed().signature())) {
      return; // v byte 27 xor 27 = 0 is the same recovery id in its other encoding: not tampered
    }
    assertThat(new SignedVoucher(c.voucher(), tampered).verify(c.domain())).isFalse();
  }

  @Property(tries = 200)
  void otherDomainFailsVerification(@ForAll("cases") Case c, @ForAll("domains") Eip712Domain d) {
    Assume.that(!d.equals(c.domain()));
    assertThat(c.signed().verify(d)).isFalse();
  }

  @Property(tries = 200)
  void highSTwinFailsVerification(@ForAll("cases") Case c) {
    Signature sig = c.signed().signature();
    Signature twin =
        new Signature(
            sig.r(),
            Bytes32.fromUnsigned(SignatureVerifier.N.subtract(sig.s().toUnsignedBigInteger())),
            sig.v() == 27 ? 28 : 27);
    assertThat(new SignedVoucher(c.voucher(), twin).verify(c.domain())).isFalse();
  }

  @Test
  void onlyTheConsumerMaySign() {
    Signer provider = LocalKeySigner.fromPrivateKeyHex("11".repeat(32));
    Voucher voucher =
        new Voucher(
            Address.of("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
            provider.address(),
            ModelId.of(7),
            TokenAmount.ofTokens("0.25"),
            3);
    assertThatThrownBy(
            () -> SignedVoucher.sign(voucher, Eip712Domain.verinfer(31337, Address.ZERO), provider))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not the voucher consumer");
  }

  @Test
  void voucherValidationNamesTheField() {
    Address a = Address.ZERO;
    TokenAmount tooBig = TokenAmount.of(BigInteger.ONE.shiftLeft(128));
    assertThatThrownBy(() -> new Voucher(a, a, ModelId.of(1), tooBig, 0))
        .hasMessageContaining("cumulativeAmount must fit uint128");
    assertThatThrownBy(() -> new Voucher(a, a, ModelId.of(1), TokenAmount.ZERO, -1))
        .hasMessageContaining("cumulativeCalls must not be negative");
    assertThatThrownBy(() -> new Voucher(null, a, ModelId.of(1), TokenAmount.ZERO, 0))
        .hasMessageContaining("consumer");
    assertThatThrownBy(() -> new Voucher(a, a, null, TokenAmount.ZERO, 0))
        .hasMessageContaining("modelId");
    assertThatThrownBy(() -> Eip712Domain.verinfer(0, a)).hasMessageContaining("chainId");
  }

  @Test
  void typeHashIsOverTheExactTypeString() {
    assertThat(Voucher.TYPE)
        .isEqualTo(
            "Voucher(address consumer,address provider,uint64 modelId,"
                + "uint128 cumulativeAmount,uint64 cumulativeCalls)");
    assertThat(Voucher.TYPEHASH)
        .isEqualTo(Bytes32.keccak256(Voucher.TYPE.getBytes(StandardCharsets.UTF_8)));
  }

  @Provide
  Arbitrary<Case> cases() {
    return Generators.signers()
        .flatMap(
            s ->
                Combinators.combine(Generators.vouchersFrom(s.address()), Generators.domains())
                    .as((v, d) -> new Case(s, v, d)));
  }

  @Provide
  Arbitrary<Voucher> vouchers() {
    return Generators.vouchers();
  }

  @Provide
  Arbitrary<Eip712Domain> domains() {
    return Generators.domains();
  }
}
