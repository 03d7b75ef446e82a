package io.verinfer.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class SignedReceiptTest {
  record Case(LocalKeySigner signer, Receipt receipt, Eip712Domain domain) {
    SignedReceipt signed() {
      return SignedReceipt.sign(receipt, domain, signer);
    }
  }

  @Property(tries = 300)
  void signedReceiptVerifies(@ForAll("cases") Case c) {
    assertThat(c.signed().verify(c.domain())).isTrue();
  }

  @Property(tries = 300)
  void anyMutatedFieldFailsVerification(
      @ForAll("cases") Case c,
      @ForAll("receipts") Receipt o,
      @ForAll @IntRange(min = 0, max = 6) int field) {
    Receipt r = c.receipt();
    Receipt mutated =
        new Receipt(
            field == 0 ? o.consumer() : r.consumer(),
            field == 1 ? o.provider() : r.provider(),
            field == 2 ? o.modelId() : r.modelId(),
            field == 3 ? o.inputHash() : r.inputHash(),
            field == 4 ? o.outputHash() : r.outputHash(),
            field == 5 ? o.cumulativeAmount() : r.cumulativeAmount(),
            field == 6 ? o.cumulativeCalls() : r.cumulativeCalls());
    Assume.that(!mutated.equals(r));
    assertThat(new SignedReceipt(mutated, c.signed().signature()).verify(c.domain())).isFalse();
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
    // v = 0/1 and v = 27/28 are two encodings of one signature: that byte change is no tampering
    Assume.that(!tampered.equals(c.signed().signature()));
    assertThat(new SignedReceipt(c.receipt(), tampered).verify(c.domain())).isFalse();
  }

  @Test
  void onlyTheProviderMaySign() {
    Signer consumer = LocalKeySigner.fromPrivateKeyHex("22".repeat(32));
    Receipt receipt =
        new Receipt(
            consumer.address(),
            Address.of("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
            ModelId.of(7),
            Bytes32.ZERO,
            Bytes32.ZERO,
            TokenAmount.ofTokens("0.25"),
            3);
    assertThatThrownBy(
            () -> SignedReceipt.sign(receipt, Eip712Domain.verinfer(31337, Address.ZERO), consumer))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not the receipt provider");
  }

  @Test
  void receiptValidationNamesTheField() {
    Address a = Address.ZERO;
    ModelId m = ModelId.of(1);
    assertThatThrownBy(() -> new Receipt(a, a, m, null, Bytes32.ZERO, TokenAmount.ZERO, 0))
        .hasMessageContaining("inputHash");
    assertThatThrownBy(() -> new Receipt(a, a, m, Bytes32.ZERO, null, TokenAmount.ZERO, 0))
        .hasMessageContaining("outputHash");
    assertThatThrownBy(() -> new Receipt(a, a, m, Bytes32.ZERO, Bytes32.ZERO, TokenAmount.ZERO, -1))
        .hasMessageContaining("cumulativeCalls");
  }

  @Test
  void typeStringIsExact() {
    assertThat(Receipt.TYPE)
        .isEqualTo(
            "Receipt(address consumer,address provider,uint64 modelId,bytes32 inputHash,"
                + "bytes32 outputHash,uint128 cumulativeAmount,uint64 cumulativeCalls)");
  }

  @Provide
  Arbitrary<Case> cases() {
    return Generators.signers()
        .flatMap(
            s ->
                Combinators.combine(Generators.receiptsFrom(s.address()), Generators.domains())
                    .as((r, d) -> new Case(s, r, d)));
  }

  @Provide
  Arbitrary<Receipt> receipts() {
    return Generators.receipts();
  }
}
