package io.verinfer.chain;

import static io.verinfer.chain.testing.Actors.address;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.chain.facade.PaymentChannelsFacade.LaneState;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** PaymentChannels + UsageCounter against a real Hardhat node, driven from Java. */
class PaymentChannelsIT {
  private static final int CONSUMER = Actors.CONSUMER_0;
  private static final int ROYALTY_BPS = 300; // 3 % of each paid amount after the fee
  private static final TokenAmount DEPOSIT = TokenAmount.of(1_000_000);

  private String snapshot;
  private Actors actors;
  private VerinferChain consumer;
  private VerinferChain provider;
  private Address providerAddress;
  private Address authorAddress;
  private ModelId model;
  private int feeBps;

  @BeforeEach
  void setUp() {
    snapshot = SharedDevnet.snapshot();
    actors = new Actors();
    consumer = actors.consumer(0);
    provider = actors.provider(0);
    providerAddress = provider.account();
    VerinferChain author = actors.author(0);
    authorAddress = author.account();
    model = Actors.publish(author, "pc-it", ROYALTY_BPS);
    feeBps = actors.admin().params().protocolFeeBps();
    Actors.deposit(consumer, DEPOSIT);
  }

  @AfterEach
  void tearDown() {
    actors.close();
    SharedDevnet.revert(snapshot);
  }

  private SignedVoucher voucher(long amount, long calls) {
    return actors.voucher(CONSUMER, providerAddress, model, TokenAmount.of(amount), calls);
  }

  @Test
  void depositMintsTheCounterOnceAndWithdrawWaitsForTheDelay() {
    Actors.deposit(consumer, TokenAmount.of(500));
    assertThat(consumer.counter().balanceOf(consumer.account())).isEqualTo(1);
    assertThat(consumer.counter().ownerOf(consumer.account())).isEqualTo(consumer.account());
    assertThat(consumer.channels().depositOf(consumer.account()))
        .isEqualTo(DEPOSIT.plus(TokenAmount.of(500)));

    TokenAmount walletBefore = consumer.token().balanceOf(consumer.account());
    consumer.channels().requestWithdrawal(TokenAmount.of(400));
    assertThatThrownBy(() -> consumer.channels().withdraw())
        .isInstanceOfSatisfying(
            ContractRevertException.class,
            e -> assertThat(e.errorName()).isEqualTo("WithdrawalNotReady"));

    SharedDevnet.increaseTime(consumer.params().withdrawDelay().toSeconds());
    consumer.channels().withdraw();
    assertThat(consumer.token().balanceOf(consumer.account()))
        .isEqualTo(walletBefore.plus(TokenAmount.of(400)));
    assertThat(consumer.channels().depositOf(consumer.account()))
        .isEqualTo(DEPOSIT.plus(TokenAmount.of(100)));
    assertThatThrownBy(() -> consumer.channels().withdraw())
        .isInstanceOfSatisfying(
            ContractRevertException.class,
            e -> assertThat(e.errorName()).isEqualTo("NoPendingWithdrawal"));
  }

  @Test
  void redeemPaysExactlyTheDifferenceWithAnExactFeeSplit() {
    provider.channels().redeem(voucher(10_000, 100));
    provider.channels().redeem(voucher(25_001, 250));

    // second redemption: Δamount 15,001, Δcalls 150
    long total = 25_001;
    assertThat(provider.channels().laneOf(consumer.account(), providerAddress, model))
        .isEqualTo(new LaneState(TokenAmount.of(total), 250));
    assertThat(provider.channels().depositOf(consumer.account()))
        .isEqualTo(DEPOSIT.minus(TokenAmount.of(total)));
    Split first = Split.of(10_000, feeBps, ROYALTY_BPS);
    Split second = Split.of(15_001, feeBps, ROYALTY_BPS);
    assertThat(provider.channels().earningsOf(providerAddress).baseUnits().longValueExact())
        .isEqualTo(first.provider() + second.provider());
    assertThat(provider.channels().earningsOf(authorAddress).baseUnits().longValueExact())
        .isEqualTo(first.royalty() + second.royalty());
    assertThat(provider.channels().earningsOf(actors.treasury()).baseUnits().longValueExact())
        .isEqualTo(first.fee() + second.fee());
    assertThat(first.fee() + first.royalty() + first.provider()).isEqualTo(10_000);

    TokenAmount before = provider.token().balanceOf(providerAddress);
    provider.channels().claimEarnings();
    assertThat(provider.token().balanceOf(providerAddress))
        .isEqualTo(before.plus(TokenAmount.of(first.provider() + second.provider())));
  }

  @Test
  void theRoyaltyIsAShareOfWhatWasPaidWhateverCallCountIsSigned() {
    // 1,000 paid with 0 calls signed, then 1,000 more with 1,000 calls: the same royalty each time
    provider.channels().redeem(voucher(1_000, 0));
    Split one = Split.of(1_000, feeBps, ROYALTY_BPS);
    assertThat(one.royalty()).isPositive();
    assertThat(provider.channels().earningsOf(authorAddress).baseUnits().longValueExact())
        .isEqualTo(one.royalty());
    provider.channels().redeem(voucher(2_000, 1_000));
    assertThat(provider.channels().earningsOf(authorAddress).baseUnits().longValueExact())
        .isEqualTo(2 * one.royalty());
  }

  @Test
  void anOldVoucherPaysNothing() {
    SignedVoucher older = voucher(100, 1);
    SignedVoucher newer = voucher(300, 3);
    provider.channels().redeem(newer);
    TokenAmount deposit = provider.channels().depositOf(consumer.account());

    for (SignedVoucher stale : List.of(older, newer)) {
      assertThatThrownBy(() -> provider.channels().redeem(stale))
          .isInstanceOfSatisfying(
              ContractRevertException.class,
              e -> assertThat(e.errorName()).isEqualTo("StaleVoucher"));
    }
    provider.channels().redeemBatch(List.of(older, newer)); // skipped, not reverted
    assertThat(provider.channels().depositOf(consumer.account())).isEqualTo(deposit);
    assertThat(provider.channels().laneOf(consumer.account(), providerAddress, model))
        .isEqualTo(new LaneState(TokenAmount.of(300), 3));
  }

  @Test
  void redeemBatchPaysEachLaneItsDifference() {
    Address provider2 = address(Actors.PROVIDER_0 + 1);
    provider.channels().redeem(voucher(1_000, 10));
    SignedVoucher laneA = voucher(4_000, 40);
    SignedVoucher laneB = actors.voucher(CONSUMER, provider2, model, TokenAmount.of(2_500), 25);
    TxResult result = provider.channels().redeemBatch(List.of(laneA, laneB));
    assertThat(result.gasUsed()).isPositive();

    assertThat(provider.channels().depositOf(consumer.account()))
        .isEqualTo(DEPOSIT.minus(TokenAmount.of(4_000 + 2_500)));
    Split a = Split.of(3_000, feeBps, ROYALTY_BPS);
    Split b = Split.of(2_500, feeBps, ROYALTY_BPS);
    Split first = Split.of(1_000, feeBps, ROYALTY_BPS);
    assertThat(provider.channels().earningsOf(providerAddress).baseUnits().longValueExact())
        .isEqualTo(first.provider() + a.provider());
    assertThat(provider.channels().earningsOf(provider2).baseUnits().longValueExact())
        .isEqualTo(b.provider());
    assertThat(provider.channels().earningsOf(actors.treasury()).baseUnits().longValueExact())
        .isEqualTo(first.fee() + a.fee() + b.fee());
  }

  @Test
  void forgedForeignOrOversizedVouchersAreRefusedAndChangeNothing() {
    Voucher honest = new Voucher(consumer.account(), providerAddress, model, TokenAmount.of(50), 5);
    Eip712Domain domain = provider.channels().domain();
    Address otherProvider = address(Actors.PROVIDER_0 + 1);

    SignedVoucher otherKey =
        new SignedVoucher(honest, Actors.signer(Actors.OUTSIDER).sign(honest.digest(domain)));
    SignedVoucher signedForA = SignedVoucher.sign(honest, domain, Actors.signer(CONSUMER));
    SignedVoucher otherLane =
        new SignedVoucher(
            new Voucher(consumer.account(), otherProvider, model, TokenAmount.of(50), 5),
            signedForA.signature());
    Eip712Domain otherChain = new Eip712Domain("Verinfer", "1", 1, domain.verifyingContract());
    SignedVoucher otherChainId = SignedVoucher.sign(honest, otherChain, Actors.signer(CONSUMER));
    SignedVoucher tooLarge = voucher(DEPOSIT.baseUnits().longValueExact() + 1, 6);

    assertRefused(otherKey, "InvalidVoucherSignature");
    assertRefused(otherLane, "InvalidVoucherSignature");
    assertRefused(otherChainId, "InvalidVoucherSignature");
    assertRefused(tooLarge, "InsufficientDeposit");
    assertThat(otherKey.verify(domain)).isFalse();
    assertThat(otherLane.verify(domain)).isFalse();
    assertThat(otherChainId.verify(domain)).isFalse();
  }

  private void assertRefused(SignedVoucher voucher, String error) {
    TokenAmount deposit = provider.channels().depositOf(consumer.account());
    assertThatThrownBy(() -> provider.channels().redeem(voucher))
        .isInstanceOfSatisfying(
            ContractRevertException.class, e -> assertThat(e.errorName()).isEqualTo(error));
    assertThatThrownBy(() -> provider.channels().redeemBatch(List.of(voucher(1, 1), voucher)))
        .isInstanceOfSatisfying(
            ContractRevertException.class, e -> assertThat(e.errorName()).isEqualTo(error));
    assertThat(provider.channels().depositOf(consumer.account())).isEqualTo(deposit);
    assertThat(provider.channels().laneOf(consumer.account(), voucher.voucher().provider(), model))
        .isEqualTo(new LaneState(TokenAmount.ZERO, 0));
  }

  @Test
  void counterShowsRedeemedCallsAndSpendAndItsTokenUriIsJson() throws Exception {
    provider.channels().redeem(voucher(700, 7));
    provider.channels().redeemBatch(List.of(voucher(1_900, 19)));
    var usage = consumer.counter().usageOf(consumer.account());
    assertThat(usage.calls()).isEqualTo(19);
    assertThat(usage.spend()).isEqualTo(TokenAmount.of(1_900));

    String uri = consumer.counter().tokenUri(consumer.account());
    assertThat(uri).startsWith("data:application/json;base64,");
    byte[] json =
        Base64.getDecoder().decode(uri.substring("data:application/json;base64,".length()));
    JsonNode meta = new ObjectMapper().readTree(new String(json, StandardCharsets.UTF_8));
    assertThat(meta.path("calls").asLong()).isEqualTo(19);
    assertThat(new BigInteger(meta.path("spend").asText())).isEqualTo(BigInteger.valueOf(1_900));
    assertThat(meta.path("consumer").asText()).isEqualToIgnoringCase(consumer.account().value());
    assertThat(meta.path("image").asText()).startsWith("data:image/svg+xml;base64,");
  }

  @Test
  void javaDigestsMatchTheContractByteForByte() {
    Voucher v = new Voucher(consumer.account(), providerAddress, model, TokenAmount.of(123), 4);
    Eip712Domain domain = provider.channels().domain();
    assertThat(provider.channels().domainSeparator()).isEqualTo(domain.separator());
    assertThat(provider.channels().voucherDigest(v)).isEqualTo(v.digest(domain));
  }

  /** The fee rule, computed independently of the contract. */
  record Split(long fee, long royalty, long provider) {
    static Split of(long amount, int feeBps, int royaltyBps) {
      long fee = amount * feeBps / 10_000;
      long royalty = (amount - fee) * royaltyBps / 10_000;
      return new Split(fee, royalty, amount - fee - royalty);
    }
  }
}
