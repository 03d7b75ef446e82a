package io.verinfer.node.payment;

import io.verinfer.node.ledger.Lane;
import io.verinfer.node.ledger.SqliteVoucherLedger;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.LocalKeySigner;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import io.verinfer.protocol.text.TextPrice;
import io.verinfer.protocol.text.TextRequest;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.web3j.crypto.ECKeyPair;

/** {@link TextPaymentRules} over a real SQLite ledger, with a consumer, an attacker and prices. */
final class TextLaneFixture implements AutoCloseable {
  static final LocalKeySigner PROVIDER = LocalKeySigner.of(ECKeyPair.create(BigInteger.valueOf(7)));
  static final LocalKeySigner CONSUMER =
      LocalKeySigner.of(ECKeyPair.create(BigInteger.valueOf(424242)));
  static final LocalKeySigner ATTACKER =
      LocalKeySigner.of(ECKeyPair.create(BigInteger.valueOf(666)));
  static final Eip712Domain DOMAIN =
      Eip712Domain.verinfer(31337, Address.of("0x00000000000000000000000000000000000000bb"));
  static final ModelId CHAT = ModelId.of(5);
  static final ModelId OTHER = ModelId.of(6);
  static final String NAME = "tiny-chat";
  static final TextPrice PRICE = new TextPrice(TokenAmount.of(2), TokenAmount.of(5));

  final SqliteVoucherLedger ledger;
  final TextPaymentRules rules;
  volatile TokenAmount deposit = TokenAmount.of(1_000_000_000L);

  TextLaneFixture(Path dir, int window, int checkpointTokens) {
    ledger = new SqliteVoucherLedger(dir.resolve("ledger.db"));
    rules =
        new TextPaymentRules(
            PROVIDER,
            DOMAIN,
            ledger,
            consumer -> deposit,
            Map.of(
                NAME,
                new TextPaymentRules.Offer(CHAT, PRICE),
                "other-chat",
                new TextPaymentRules.Offer(OTHER, PRICE)),
            TextPaymentRules.Settings.defaults()
                .withWindow(window, checkpointTokens)
                .withWaits(Duration.ofMillis(200), Duration.ofMillis(200)));
  }

  static Lane lane() {
    return new Lane(CONSUMER.address(), PROVIDER.address(), CHAT);
  }

  static String voucher(long amount, long calls) {
    return voucher(CONSUMER, CONSUMER.address(), PROVIDER.address(), CHAT, amount, calls);
  }

  static String voucher(
      LocalKeySigner signer,
      Address consumer,
      Address provider,
      ModelId model,
      long amount,
      long calls) {
    Voucher v = new Voucher(consumer, provider, model, TokenAmount.of(amount), calls);
    // a signer other than the consumer forges: SignedVoucher.sign refuses to, so sign the digest
    return PaymentHeaders.encode(new SignedVoucher(v, signer.sign(v.digest(DOMAIN))));
  }

  static TextRequest request(int promptTokens) {
    int[] prompt = new int[promptTokens];
    for (int i = 0; i < prompt.length; i++) {
      prompt[i] = 3 + i;
    }
    return new TextRequest(prompt, 0, 1, 42, 200, List.of());
  }

  TextPaymentRules.Stream open(long amount, long calls, int promptTokens) {
    return rules.open(NAME, voucher(amount, calls), request(promptTokens));
  }

  long paid() {
    return ledger.lane(lane()).amount().baseUnits().longValueExact();
  }

  void pay(long amount, long calls) {
    rules.pay(CONSUMER.address(), CHAT, voucher(amount, calls));
  }

  @Override
  public void close() {
    ledger.close();
  }
}
