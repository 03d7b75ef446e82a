package io.verinfer.node.payment;

import static io.verinfer.node.payment.TextLaneFixture.ATTACKER;
import static io.verinfer.node.payment.TextLaneFixture.CHAT;
import static io.verinfer.node.payment.TextLaneFixture.CONSUMER;
import static io.verinfer.node.payment.TextLaneFixture.NAME;
import static io.verinfer.node.payment.TextLaneFixture.OTHER;
import static io.verinfer.node.payment.TextLaneFixture.PRICE;
import static io.verinfer.node.payment.TextLaneFixture.PROVIDER;
import static io.verinfer.node.payment.TextLaneFixture.request;
import static io.verinfer.node.payment.TextLaneFixture.voucher;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.VerinferException;
import io.verinfer.protocol.text.TextOutput;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consumers and strangers attacking the payment rules of text streams, over a real SQLite ledger:
 * unpaid prompts, stopped payments, vouchers for other lanes, lower or forged vouchers, streams
 * opened in someone else's name; and what the checkpoints sign.
 */
class TextPaymentAttackTest {
  static final int W = 8;

  @TempDir Path dir;
  TextLaneFixture lane;

  @BeforeEach
  void start() {
    lane = new TextLaneFixture(dir, W, 4);
  }

  @AfterEach
  void stop() {
    lane.close();
  }

  @Test
  void aConsumerThatNeverPaysThePromptGetsNoPrefill() throws InterruptedException {
    TextPaymentRules.Stream s = lane.open(0, 1, 10);
    assertThat(s.due()).isEqualTo(TokenAmount.of(20)); // 10 prompt tokens at 2
    assertThat(s.promptPaid()).isFalse();
    assertThat(s.awaitPrompt(Duration.ofMillis(100))).isFalse();
    assertThat(s.roomForToken()).isFalse();
    assertThatThrownBy(() -> s.charge(1)).isInstanceOf(IllegalStateException.class);
    lane.pay(19, 1); // one short
    assertThat(s.promptPaid()).isFalse();
    s.end(null);
    assertThat(lane.rules.owed(TextLaneFixture.lane())).isEqualTo(TokenAmount.of(19));
  }

  @Test
  void aConsumerThatStopsPayingGetsAtMostTheWindowBeyondItsPayments() throws InterruptedException {
    TextPaymentRules.Stream s = lane.open(0, 1, 10);
    lane.pay(20, 1);
    assertThat(s.promptPaid()).isTrue();
    int generated = 0;
    while (s.roomForToken()) {
      s.charge(1);
      generated++;
    }
    assertThat(generated).isEqualTo(W);
    assertThat(s.awaitRoom(Duration.ofMillis(100))).isFalse();
    lane.pay(20 + 5 * 3, 1); // pays three tokens
    while (s.roomForToken()) {
      s.charge(1);
      generated++;
    }
    assertThat(generated).isEqualTo(W + 3);
    long owed = lane.rules.owed(TextLaneFixture.lane()).baseUnits().longValueExact();
    assertThat(owed - lane.paid()).isEqualTo(W * 5L);
  }

  @Test
  void vouchersForAnotherLaneOrModelAreRefused() {
    TextPaymentRules.Stream s = lane.open(0, 1, 4);
    refused(
        () ->
            lane.rules.pay(
                CONSUMER.address(),
                CHAT,
                voucher(CONSUMER, CONSUMER.address(), ATTACKER.address(), CHAT, 100, 1)),
        ErrorCode.WRONG_LANE);
    refused(
        () ->
            lane.rules.pay(
                CONSUMER.address(),
                CHAT,
                voucher(CONSUMER, CONSUMER.address(), PROVIDER.address(), OTHER, 100, 1)),
        ErrorCode.WRONG_LANE);
    refused(() -> lane.rules.open("other-chat", voucher(100, 1), request(4)), ErrorCode.WRONG_LANE);
    refused(() -> lane.rules.pay(ATTACKER.address(), CHAT, voucher(100, 1)), ErrorCode.WRONG_LANE);
    assertThat(s.promptPaid()).isFalse();
    assertThat(lane.paid()).isZero();
  }

  @Test
  void aLowerOrEqualVoucherIsRefused() {
    lane.open(0, 1, 4);
    lane.pay(50, 1);
    refused(() -> lane.pay(50, 1), ErrorCode.STALE_VOUCHER);
    refused(() -> lane.pay(49, 2), ErrorCode.STALE_VOUCHER);
    refused(() -> lane.pay(60, 0), ErrorCode.STALE_VOUCHER);
    refused(() -> lane.open(60, 1, 4), ErrorCode.STALE_VOUCHER); // calls not above the newest
    refused(() -> lane.open(49, 2, 4), ErrorCode.STALE_VOUCHER); // amount below the newest
    assertThat(lane.paid()).isEqualTo(50);
  }

  @Test
  void aForgedSignatureIsRefused() {
    lane.open(0, 1, 4);
    String forged = voucher(ATTACKER, CONSUMER.address(), PROVIDER.address(), CHAT, 100, 1);
    refused(
        () -> lane.rules.pay(CONSUMER.address(), CHAT, forged),
        ErrorCode.INVALID_VOUCHER_SIGNATURE);
    String tampered = voucher(10, 1).replace(".10.1.", ".99.1.");
    refused(
        () -> lane.rules.pay(CONSUMER.address(), CHAT, tampered),
        ErrorCode.INVALID_VOUCHER_SIGNATURE);
    refused(() -> lane.rules.pay(CONSUMER.address(), CHAT, "v1.junk"), ErrorCode.MALFORMED_VOUCHER);
    refused(() -> lane.rules.pay(CONSUMER.address(), CHAT, null), ErrorCode.PAYMENT_REQUIRED);
    assertThat(lane.paid()).isZero();
  }

  @Test
  void nobodyOpensAStreamInSomeoneElsesName() {
    String consumersOwn = voucher(0, 1);
    TextPaymentRules.Stream mine = lane.rules.open(NAME, consumersOwn, request(4));
    // the stranger saw the consumer's newest voucher (GET /v1/lanes shows it): replaying it fails
    refused(() -> lane.rules.open(NAME, consumersOwn, request(4)), ErrorCode.STALE_VOUCHER);
    // and it cannot sign one in the consumer's name
    refused(
        () ->
            lane.rules.open(
                NAME,
                voucher(ATTACKER, CONSUMER.address(), PROVIDER.address(), CHAT, 0, 2),
                request(4)),
        ErrorCode.INVALID_VOUCHER_SIGNATURE);
    refused(() -> lane.rules.open(NAME, null, request(4)), ErrorCode.PAYMENT_REQUIRED);
    assertThat(lane.rules.view(TextLaneFixture.lane()).orElseThrow().openStreams()).isEqualTo(1);
    mine.end(null);
  }

  @Test
  void openStreamsAndUnpaidPromptsPerLaneAreBounded() {
    List<TextPaymentRules.Stream> open = new ArrayList<>();
    int unpaid = lane.rules.settings().maxUnpaidPerLane();
    for (int i = 1; i <= unpaid; i++) {
      open.add(lane.open(0, i, 2));
    }
    refused(() -> lane.open(0, unpaid + 1, 2), ErrorCode.TOO_MANY_STREAMS);
    open.forEach(s -> s.end(null));
    assertThat(lane.rules.view(TextLaneFixture.lane()).orElseThrow().openStreams()).isZero();
  }

  @Test
  void anOpeningVoucherBeyondTheDepositIsRefused() {
    lane.deposit = TokenAmount.of(15);
    refused(() -> lane.open(0, 1, 10), ErrorCode.INSUFFICIENT_DEPOSIT); // due 20 > 15
    assertThat(lane.ledger.lane(TextLaneFixture.lane()).calls()).isZero();
    lane.deposit = TokenAmount.of(100);
    lane.open(0, 1, 10);
    refused(() -> lane.pay(101, 1), ErrorCode.INSUFFICIENT_DEPOSIT);
  }

  @Test
  void checkpointsSignTheRequestTheTokensAndTheStreamsCost() {
    TextPaymentRules.Stream s = lane.open(0, 1, 10);
    lane.pay(20, 1);
    assertThat(s.promptPaid()).isTrue();
    s.charge(3);
    TextOutput out = new TextOutput(TextOutput.End.RUNNING, new int[] {11, 12, 13});
    SignedReceipt r = s.checkpoint(out);
    assertThat(r.verify(TextLaneFixture.DOMAIN)).isTrue();
    assertThat(r.receipt().provider()).isEqualTo(PROVIDER.address());
    assertThat(r.receipt().inputHash()).isEqualTo(request(10).hash());
    assertThat(r.receipt().outputHash()).isEqualTo(out.hash());
    assertThat(r.receipt().cumulativeAmount()).isEqualTo(PRICE.cost(10, 3));
    assertThat(r.receipt().cumulativeCalls()).isEqualTo(1);
    assertThat(r.receipt().consumer()).isEqualTo(CONSUMER.address());
    s.end(r);
    assertThat(lane.rules.view(TextLaneFixture.lane()).orElseThrow().checkpoints())
        .containsExactly(r);
    assertThat(PaymentHeaders.decodeReceipt(PaymentHeaders.encode(r))).isEqualTo(r);
  }

  private static void refused(ThrowingCallable call, ErrorCode code) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(VerinferException.class, e -> assertThat(e.code()).isEqualTo(code));
  }
}
