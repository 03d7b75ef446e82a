package io.verinfer.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.acceptance.Marketplace.Provider;
import io.verinfer.chain.facade.DisputeManagerFacade;
import io.verinfer.chain.facade.DisputeManagerFacade.Phase;
import io.verinfer.chain.facade.DisputeManagerFacade.Verdict;
import io.verinfer.chain.testing.SharedDevnet;
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
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The project's own chat model on the devnet, with a provider that corrupts every token it streams
 * (fault injection; its checkpoints sign what it sent): the same seeded request gives the same text
 * twice; {@code sampled(1)} against an honest provider disputes both final checkpoints; three other
 * providers' nodes re-run the generation in the committee, and the cheater is judged guilty token
 * for token and slashed while the honest provider is cleared.
 */
class TextCheaterSlashedIT {
  private static final int CONSUMER = 6;
  private static final TokenAmount PRICE = TokenAmount.of(2_000);
  private static final Duration RESOLVE_WITHIN = Duration.ofSeconds(120);

  @TempDir Path dir;

  @Test
  void aTextCheaterIsCaughtJudgedByReRunsAndSlashed() throws Exception {
    try (Marketplace market = Marketplace.open(dir)) {
      ModelId model = market.publishPackAt(ChatDemoPack.write(dir.resolve("packs")), 100);
      Provider cheater = market.startProvider(8, PRICE, new FaultInjection(1.0, 5));
      Provider honest = market.startProvider(9, PRICE);
      for (int account = 10; account <= 12; account++) {
        market.startProvider(account, PRICE); // the committee
      }
      VerinferClient client =
          market.consumer(CONSUMER, ClientOptions.defaults().withTimeout(Duration.ofSeconds(60)));
      client.deposit(TokenAmount.ofTokens("100"));
      DisputeManagerFacade disputes = market.chain(0).disputes();
      var params = market.chain(0).params().disputeParams();
      TokenAmount cheaterStake = stake(market, cheater);
      TokenAmount honestStake = stake(market, honest);

      TextGeneration ask =
          TextGeneration.chat(List.of(ChatMessage.user("What is a voucher?")))
              .withTemperature(0.7)
              .withSeed(2026)
              .withMaxTokens(48);
      TextResult first =
          client.generate(model, ask, Routing.only(honest.address()), Verification.none());
      TextResult again =
          client.generate(model, ask, Routing.only(honest.address()), Verification.none());
      assertThat(again.text()).isEqualTo(first.text()).isNotBlank();
      assertThat(again.output().tokens()).isEqualTo(first.output().tokens());
      System.out.printf("seed 2026, twice: %s%n", first.text());

      TextResult caught =
          client.generate(
              model,
              ask,
              Routing.only(cheater.address(), honest.address()),
              Verification.sampled(1));
      assertThat(caught.verification().outcome()).isEqualTo(Outcome.MISMATCH);
      assertThat(caught.verification().disputes()).hasSize(1);
      long id = caught.verification().disputes().get(0);

      long deadline = System.nanoTime() + RESOLVE_WITHIN.toNanos();
      while (disputes.dispute(id).phase() != Phase.RESOLVED && System.nanoTime() < deadline) {
        SharedDevnet.mine();
        Thread.sleep(200);
      }
      var resolved = disputes.dispute(id);
      assertThat(resolved.phase())
          .as("resolved within %s", RESOLVE_WITHIN)
          .isEqualTo(Phase.RESOLVED);
      assertThat(resolved.committee()).doesNotContain(cheater.address(), honest.address());
      assertThat(resolved.revealedSeats()).isEqualTo(resolved.seats());
      assertThat(resolved.verdicts().get(resolved.accused().indexOf(cheater.address())))
          .isEqualTo(Verdict.GUILTY);
      assertThat(resolved.verdicts().get(resolved.accused().indexOf(honest.address())))
          .isEqualTo(Verdict.CLEARED);
      BigInteger slashed =
          cheaterStake
              .baseUnits()
              .multiply(BigInteger.valueOf(params.slashBps()))
              .divide(BigInteger.valueOf(10_000));
      assertThat(stake(market, cheater)).isEqualTo(cheaterStake.minus(TokenAmount.of(slashed)));
      assertThat(stake(market, honest)).isEqualTo(honestStake);
      System.out.printf(
          "text dispute %d: %s; cheater slashed %s of %s (%s)%n",
          id,
          resolved.verdicts(),
          TokenAmount.of(slashed),
          cheaterStake,
          caught.verification().note());
    }
  }

  private static TokenAmount stake(Marketplace market, Provider p) {
    return market.chain(0).providers().provider(p.address()).slashable();
  }
}
