package io.verinfer.protocol;

import java.math.BigInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** jqwik generators shared by the protocol tests. */
final class Generators {
  private Generators() {}

  static Arbitrary<byte[]> bytes(int length) {
    return Arbitraries.bytes().array(byte[].class).ofSize(length);
  }

  static Arbitrary<Bytes32> bytes32s() {
    return bytes(32).map(Bytes32::of);
  }

  static Arbitrary<Address> addresses() {
    return bytes(20).map(Address::of);
  }

  static Arbitrary<BigInteger> privateKeys() {
    return Arbitraries.bigIntegers()
        .between(BigInteger.ONE, SignatureVerifier.N.subtract(BigInteger.ONE));
  }

  static Arbitrary<LocalKeySigner> signers() {
    return privateKeys().map(k -> LocalKeySigner.fromPrivateKeyHex(String.format("%064x", k)));
  }

  static Arbitrary<ModelId> modelIds() {
    return Arbitraries.longs().between(1, Long.MAX_VALUE).map(ModelId::of);
  }

  static Arbitrary<TokenAmount> uint128Amounts() {
    return Arbitraries.bigIntegers()
        .between(BigInteger.ZERO, TokenAmount.UINT128_MAX)
        .map(TokenAmount::of);
  }

  static Arbitrary<Long> calls() {
    return Arbitraries.longs().between(0, Long.MAX_VALUE);
  }

  static Arbitrary<Eip712Domain> domains() {
    return Combinators.combine(
            Arbitraries.longs().between(1, Long.MAX_VALUE), addresses(), Arbitraries.of("1", "2"))
        .as(
            (chainId, contract, version) ->
                new Eip712Domain("Verinfer", version, chainId, contract));
  }

  static Arbitrary<Voucher> vouchers() {
    return addresses().flatMap(Generators::vouchersFrom);
  }

  static Arbitrary<Receipt> receipts() {
    return addresses().flatMap(Generators::receiptsFrom);
  }

  /** A voucher whose consumer is {@code consumer}. */
  static Arbitrary<Voucher> vouchersFrom(Address consumer) {
    return Combinators.combine(addresses(), modelIds(), uint128Amounts(), calls())
        .as((provider, model, amount, n) -> new Voucher(consumer, provider, model, amount, n));
  }

  /** A receipt whose provider is {@code provider}. */
  static Arbitrary<Receipt> receiptsFrom(Address provider) {
    return Combinators.combine(
            addresses(), modelIds(), bytes32s(), bytes32s(), uint128Amounts(), calls())
        .as(
            (consumer, model, in, out, amount, n) ->
                new Receipt(consumer, provider, model, in, out, amount, n));
  }
}
