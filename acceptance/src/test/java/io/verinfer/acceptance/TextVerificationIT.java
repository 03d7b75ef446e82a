package io.verinfer.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.acceptance.Marketplace.Provider;
import io.verinfer.chain.facade.DisputeManagerFacade;
import io.verinfer.client.ChatMessage;
import io.verinfer.client.ClientOptions;
import io.verinfer.client.Routing;
import io.verinfer.client.TextGeneration;
import io.verinfer.client.TextResult;
import io.verinfer.client.Verification;
import io.verinfer.client.VerificationReport.Outcome;
import io.verinfer.client.VerinferClient;
import io.verinfer.node.faults.FaultInjection;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.runtime.packs.ChatDemoPack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Verified text generation on the devnet with the trained verinfer-chat model: three honest
 * providers and one that replaces the tokens it streams (fault injection; it signs what it sent).
 * {@code sampled(1)} over two honest providers agrees token for token; over an honest one and the
 * cheater it disputes both final checkpoints; {@code redundant(3)} over three honest providers
 * agrees, and with the cheater among them returns the honest majority's text and disputes it.
 */
class TextVerificationIT {
  private static final int CONSUMER = 5;
  private static final TokenAmount PRICE = TokenAmount.of(20_000);

  @TempDir Path dir;

  @Test
  void reRunsCompareTokenForTokenAndDisputeTheCheater() {
    try (Marketplace market = Marketplace.open(dir)) {
      ModelId model = market.publishPackAt(ChatDemoPack.write(dir.resolve("packs")), 100);
      Provider honestA = market.startProvider(8, PRICE);
      Provider honestB = market.startProvider(9, PRICE);
      Provider cheater = market.startProvider(10, PRICE, new FaultInjection(1.0, 3));
      Provider honestC = market.startProvider(11, PRICE);
      VerinferClient client =
          market.consumer(CONSUMER, ClientOptions.defaults().withTimeout(Duration.ofSeconds(30)));
      client.deposit(TokenAmount.ofTokens("10"));
      DisputeManagerFacade disputes = market.chain(0).disputes();
      // temperature 1 without a seed: the client draws one, and every re-run uses it
      TextGeneration ask =
          TextGeneration.chat(List.of(ChatMessage.user("How does the marketplace work?")))
              .withMaxTokens(24);

      TextResult agreed =
          client.generate(
              model,
              ask,
              Routing.only(honestA.address(), honestB.address()),
              Verification.sampled(1.0));
      assertThat(agreed.verification().outcome()).isEqualTo(Outcome.AGREED);
      assertThat(agreed.verification().providers())
          .containsExactlyInAnyOrder(honestA.address(), honestB.address());
      assertThat(agreed.completionTokens()).isPositive();

      TextResult mixed =
          client.generate(
              model,
              ask,
              Routing.only(honestA.address(), cheater.address()),
              Verification.sampled(1.0));
      assertThat(mixed.verification().outcome()).isEqualTo(Outcome.MISMATCH);
      assertThat(mixed.verification().disputes()).hasSize(1);
      var dispute = disputes.dispute(mixed.verification().disputes().get(0));
      assertThat(dispute.accused()).containsExactlyInAnyOrder(honestA.address(), cheater.address());
      assertThat(dispute.inputHash()).isEqualTo(mixed.request().hash());
      assertThat(dispute.challenger()).isEqualTo(client.address());

      // three honest providers: the same tokens from each, nothing disputed
      TextResult unanimous =
          client.generate(
              model,
              ask,
              Routing.only(honestA.address(), honestB.address(), honestC.address()),
              Verification.redundant(3));
      assertThat(unanimous.verification().outcome()).isEqualTo(Outcome.AGREED);
      assertThat(unanimous.verification().providers())
          .containsExactlyInAnyOrder(honestA.address(), honestB.address(), honestC.address());
      assertThat(unanimous.verification().disputes()).isEmpty();
      assertThat(unanimous.text()).isNotBlank();

      TextResult majority =
          client.generate(
              model,
              ask,
              Routing.only(honestA.address(), honestB.address(), cheater.address()),
              Verification.redundant(3));
      assertThat(majority.verification().outcome()).isEqualTo(Outcome.MISMATCH);
      assertThat(majority.verification().dissenters()).containsExactly(cheater.address());
      assertThat(majority.provider()).isNotEqualTo(cheater.address());
      assertThat(majority.verification().disputes()).hasSize(1);
      var second = disputes.dispute(majority.verification().disputes().get(0));
      assertThat(second.accused()).contains(cheater.address());
      assertThat(majority.verification().note()).contains("differs from token");
    }
  }
}
