package io.verinfer.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.acceptance.Marketplace.Provider;
import io.verinfer.chain.facade.DisputeManagerFacade;
import io.verinfer.chain.facade.DisputeManagerFacade.Phase;
import io.verinfer.chain.facade.DisputeManagerFacade.Verdict;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.client.ClientOptions;
import io.verinfer.client.InferenceResult;
import io.verinfer.client.Routing;
import io.verinfer.client.Verification;
import io.verinfer.client.VerificationReport.Outcome;
import io.verinfer.client.VerinferClient;
import io.verinfer.node.faults.FaultInjection;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole loop with a fixed seed: a provider corrupting 10% of its answers serves a consumer at
 * {@code sampled(0.1)}; the first checked corrupted call disagrees with an honest provider's, the
 * SDK disputes both receipts and draws the committee, three other providers' nodes re-execute,
 * commit and reveal on their own, the dispute resolves with the cheater guilty and the honest
 * provider cleared, and the cheater loses exactly the configured share of its stake.
 */
class CheaterSlashedIT {
  private static final int CONSUMER = 6;
  private static final int MAX_CALLS = 3_000; // P(no detection in 3,000 at p·c = 0.01) ≈ 1e-13
  private static final Duration RESOLVE_WITHIN = Duration.ofSeconds(90);

  @TempDir Path dir;

  @Test
  void aTenPercentCheaterIsCaughtBySamplingJudgedAndSlashed() throws Exception {
    try (Marketplace market = Marketplace.open(dir)) {
      ModelId model = market.publishFraudDetect(50);
      Provider cheater = market.startProvider(8, TokenAmount.of(900), new FaultInjection(0.1, 11));
      Provider honest = market.startProvider(9, TokenAmount.of(1_000));
      // the committee: providers of the model that are neither accused nor the challenger
      for (int account = 10; account <= 12; account++) {
        market.startProvider(account, TokenAmount.of(1_000));
      }
      VerinferClient client =
          market.consumer(
              CONSUMER, ClientOptions.defaults().withSampler(new SplittableRandom(2026)));
      client.deposit(TokenAmount.ofTokens("100"));
      DisputeManagerFacade disputes = market.chain(0).disputes();
      var params = market.chain(0).params().disputeParams();
      TokenAmount cheaterStake = stake(market, cheater);
      TokenAmount honestStake = stake(market, honest);

      Routing pair = Routing.only(cheater.address(), honest.address());
      InferenceResult caught = null;
      int calls = 0;
      while (caught == null && calls < MAX_CALLS) {
        InferenceResult r =
            client.infer(
                model, List.of(Marketplace.features(calls)), pair, Verification.sampled(0.1));
        calls++;
        if (r.verification().outcome() == Outcome.MISMATCH) {
          caught = r;
        }
      }
      assertThat(caught).as("a mismatch within %d calls", MAX_CALLS).isNotNull();
      assertThat(caught.verification().disputes()).hasSize(1);
      long id = caught.verification().disputes().get(0);

      // the chain only moves when blocks come: mine one every 200 ms, as a live chain would
      long deadline = System.nanoTime() + RESOLVE_WITHIN.toNanos();
      while (disputes.dispute(id).phase() != Phase.RESOLVED && System.nanoTime() < deadline) {
        SharedDevnet.mine();
        Thread.sleep(200);
      }
      var resolved = disputes.dispute(id);
      assertThat(resolved.phase())
          .as("resolved within %s", RESOLVE_WITHIN)
          .isEqualTo(Phase.RESOLVED);
      // three seats, drawn with replacement: one to three distinct members, all of them revealed
      assertThat(resolved.committee())
          .isNotEmpty()
          .doesNotContain(cheater.address(), honest.address());
      assertThat(resolved.seats()).isEqualTo(3);
      assertThat(resolved.revealedSeats()).isEqualTo(3);
      int cheaterIndex = resolved.accused().indexOf(cheater.address());
      int honestIndex = resolved.accused().indexOf(honest.address());
      assertThat(resolved.verdicts().get(cheaterIndex)).isEqualTo(Verdict.GUILTY);
      assertThat(resolved.verdicts().get(honestIndex)).isEqualTo(Verdict.CLEARED);

      BigInteger slashed =
          cheaterStake
              .baseUnits()
              .multiply(BigInteger.valueOf(params.slashBps()))
              .divide(BigInteger.valueOf(10_000));
      assertThat(stake(market, cheater)).isEqualTo(cheaterStake.minus(TokenAmount.of(slashed)));
      assertThat(stake(market, honest)).isEqualTo(honestStake);
      BigInteger toChallenger =
          slashed
              .multiply(BigInteger.valueOf(params.challengerRewardBps()))
              .divide(BigInteger.valueOf(10_000));
      assertThat(disputes.owed(client.address()))
          .isEqualTo(params.disputeBond().plus(TokenAmount.of(toChallenger)));
      System.out.printf(
          "caught after %d calls; dispute %d: %s, cheater slashed %s of %s%n",
          calls, id, resolved.verdicts(), TokenAmount.of(slashed), cheaterStake);
    }
  }

  private static TokenAmount stake(Marketplace market, Provider p) {
    var info = market.chain(0).providers().provider(p.address());
    return info.slashable();
  }
}
