package io.verinfer.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.facade.PaymentChannelsFacade;
import io.verinfer.chain.testing.Actors;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.LocalKeySigner;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Receipt;
import io.verinfer.protocol.Signature;
import io.verinfer.protocol.SignatureVerifier;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import java.math.BigInteger;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.web3j.crypto.ECKeyPair;

/**
 * A Java-signed voucher is accepted by the contract iff the Java verifier accepts it: random
 * vouchers, random keys and one random mutation each (a field changed after signing, another
 * signer, another chain or contract, bit flips, out-of-range r and s), checked against the deployed
 * PaymentChannels' own recovery on a real node. Unmutated digests must match byte for byte.
 */
class VoucherSignatureAgreementIT {
  private static Actors actors;
  private static PaymentChannelsFacade channels;
  private static Eip712Domain domain;

  enum Mutation {
    NONE,
    OTHER_SIGNER,
    AMOUNT,
    CALLS,
    PROVIDER,
    MODEL,
    CONSUMER,
    FLIP_V,
    R_BIT,
    S_BIT,
    S_ABOVE_HALF_N,
    R_ZERO,
    R_AT_LEAST_N,
    OTHER_CHAIN,
    OTHER_CONTRACT
  }

  record Case(
      BigInteger consumerKey,
      BigInteger otherKey,
      Voucher template,
      Mutation mutation,
      int bit,
      long delta) {}

  @BeforeContainer
  static void connect() {
    actors = new Actors();
    channels = actors.admin().channels();
    domain = channels.domain();
  }

  @AfterContainer
  static void disconnect() {
    actors.close();
  }

  @Property(tries = 300)
  void contractAcceptsIffJavaAccepts(@ForAll("cases") Case c) {
    LocalKeySigner consumer = LocalKeySigner.of(ECKeyPair.create(c.consumerKey()));
    Voucher signed = withConsumer(c.template(), consumer.address());
    Eip712Domain signingDomain =
        switch (c.mutation()) {
          case OTHER_CHAIN ->
              new Eip712Domain(
                  "Verinfer", "1", domain.chainId() + 1 + c.delta(), domain.verifyingContract());
          case OTHER_CONTRACT ->
              new Eip712Domain("Verinfer", "1", domain.chainId(), Actors.address(Actors.OUTSIDER));
          default -> domain;
        };
    Signature signature =
        c.mutation() == Mutation.OTHER_SIGNER
            ? LocalKeySigner.of(ECKeyPair.create(c.otherKey())).sign(signed.digest(signingDomain))
            : consumer.sign(signed.digest(signingDomain));
    Voucher presented = mutateVoucher(signed, c);
    Bytes32 r = signature.r();
    Bytes32 vs = signature.vs();
    switch (c.mutation()) {
      case FLIP_V -> vs = flipBit(vs, 0);
      case R_BIT -> r = flipBit(r, c.bit());
      case S_BIT -> vs = flipBit(vs, 1 + c.bit() % 255);
      case S_ABOVE_HALF_N ->
          vs =
              Bytes32.fromUnsigned(SignatureVerifier.HALF_N.add(BigInteger.valueOf(1 + c.delta())));
      case R_ZERO -> r = Bytes32.ZERO;
      case R_AT_LEAST_N ->
          r = Bytes32.fromUnsigned(SignatureVerifier.N.add(BigInteger.valueOf(c.delta())));
      default -> {}
    }

    Optional<Address> java = SignatureVerifier.recover(presented.digest(domain), r, vs);
    Optional<Address> contract = channels.recoverVoucherSigner(presented, r, vs);
    boolean javaAccepts = java.equals(Optional.of(presented.consumer()));
    boolean contractAccepts = contract.equals(Optional.of(presented.consumer()));

    assertThat(contractAccepts).as("contract accepts %s", c.mutation()).isEqualTo(javaAccepts);
    assertThat(contract).as("recovered signer").isEqualTo(java);
    if (c.mutation() == Mutation.NONE) {
      assertThat(javaAccepts).isTrue();
      assertThat(channels.voucherDigest(presented)).isEqualTo(presented.digest(domain));
    }
  }

  @Property(tries = 50)
  void receiptDigestsMatchTheContract(@ForAll("cases") Case c) {
    Voucher v = c.template();
    Receipt receipt =
        new Receipt(
            v.consumer(),
            v.provider(),
            v.modelId(),
            Bytes32.fromUnsigned(c.consumerKey()),
            Bytes32.fromUnsigned(c.otherKey()),
            v.cumulativeAmount(),
            v.cumulativeCalls());
    assertThat(channels.receiptDigest(receipt)).isEqualTo(receipt.digest(domain));
  }

  private static Voucher withConsumer(Voucher v, Address consumer) {
    return new Voucher(
        consumer, v.provider(), v.modelId(), v.cumulativeAmount(), v.cumulativeCalls());
  }

  private static Voucher mutateVoucher(Voucher v, Case c) {
    long d = 1 + c.delta();
    return switch (c.mutation()) {
      case AMOUNT -> {
        BigInteger bumped = v.cumulativeAmount().baseUnits().add(BigInteger.valueOf(d));
        TokenAmount amount =
            TokenAmount.of(bumped).fitsUint128()
                ? TokenAmount.of(bumped)
                : TokenAmount.of(v.cumulativeAmount().baseUnits().subtract(BigInteger.valueOf(d)));
        yield new Voucher(v.consumer(), v.provider(), v.modelId(), amount, v.cumulativeCalls());
      }
      case CALLS ->
          new Voucher(
              v.consumer(),
              v.provider(),
              v.modelId(),
              v.cumulativeAmount(),
              v.cumulativeCalls() ^ d);
      case PROVIDER ->
          new Voucher(
              v.consumer(),
              Actors.address(Actors.OUTSIDER),
              v.modelId(),
              v.cumulativeAmount(),
              v.cumulativeCalls());
      case MODEL ->
          new Voucher(
              v.consumer(),
              v.provider(),
              ModelId.of(v.modelId().value() + d),
              v.cumulativeAmount(),
              v.cumulativeCalls());
      case CONSUMER ->
          new Voucher(
              Actors.address(Actors.CONSUMER_0),
              v.provider(),
              v.modelId(),
              v.cumulativeAmount(),
              v.cumulativeCalls());
      default -> v;
    };
  }

  private static Bytes32 flipBit(Bytes32 value, int bit) {
    byte[] bytes = value.bytes();
    bytes[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
    return Bytes32.of(bytes);
  }

  @Provide
  Arbitrary<Case> cases() {
    Arbitrary<BigInteger> keys =
        Arbitraries.bigIntegers()
            .between(BigInteger.ONE, SignatureVerifier.N.subtract(BigInteger.ONE));
    Arbitrary<Voucher> vouchers =
        Combinators.combine(
                Arbitraries.integers().between(Actors.PROVIDER_0, Actors.PROVIDER_0 + 5),
                Arbitraries.longs().between(1, Long.MAX_VALUE / 2),
                Arbitraries.bigIntegers().between(BigInteger.ZERO, TokenAmount.UINT128_MAX),
                Arbitraries.longs().between(0, Long.MAX_VALUE))
            .as(
                (provider, model, amount, calls) ->
                    new Voucher(
                        Actors.address(Actors.CONSUMER_0 + 1),
                        Actors.address(provider),
                        ModelId.of(model),
                        TokenAmount.of(amount),
                        calls));
    return Combinators.combine(
            keys,
            keys,
            vouchers,
            Arbitraries.of(Mutation.class),
            Arbitraries.integers().between(0, 255),
            Arbitraries.longs().between(0, 1_000))
        .as(Case::new)
        .filter(c -> !c.consumerKey().equals(c.otherKey()));
  }
}
