package io.verinfer.chain.attack;

import static io.verinfer.chain.testing.Reverts.assertReverts;
import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.CourtScene;
import io.verinfer.chain.bindings.DynamicFeePool;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Requested;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.FeePool;
import io.verinfer.chain.testing.FeePool.Terms;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 8: dust swaps flood the {@code DynamicFeePool}'s price window. After a volatile
 * market has set the fee to its maximum, an attacker makes 64 dust swaps in a row; each recorded a
 * price, so the 65-slot window held one flat price, the features read "calm", a fee update dropped
 * the fee to its minimum and the attacker's large trade paid the minimum fee.
 *
 * <p>Against the old contract (one price per swap) the exploit's numbers were: fee 100 bps before
 * the dust swaps, 5 bps after (64 dust swaps recorded 64 prices); on a 10,000-token trade (1% of
 * the pool) the attacker paid 95,000,000,000,000,000,000 base units (95 tokens) of token0 less fee
 * and received 9,515,753,418,557,069,132,556 base units (about 9,516 tokens) more token1.
 *
 * <p>The pool now records a price at most once per {@code OBSERVATION_INTERVAL} (5 minutes): the
 * same 64 dust swaps, made within one interval of the last recorded price, record none, the
 * attacker's fee update is refused ({@code NoNewPrices}), the fee stays at 100 bps and the large
 * trade pays it in full: a gain of 0.
 *
 * <p>The chain module cannot load the ONNX model (the build forbids it a runtime dependency), so
 * the test plays the provider with a stand-in for {@code amm-fee}: the fee of the training regime
 * (runtime's {@code AmmDataGenerator}: σ 0.001, 0.003, 0.008, 0.02 per step → 5, 15, 40, 100 bps)
 * whose volatility is nearest, in log distance, to the window's realized volatility (feature 0).
 * The real model's calm and volatile answers are checked in the acceptance DynamicFeePoolIT.
 */
class DustSwapAttackIT extends CourtScene {
  private static final double[] REGIME_SIGMA = {0.001, 0.003, 0.008, 0.02};
  private static final int[] REGIME_FEE_BPS = {5, 15, 40, 100};
  private static final int MIN_FEE = 5;
  private static final int MAX_FEE = 100;
  private static final int DUST_SWAPS = 64;
  private static final BigInteger DUST = BigInteger.valueOf(1_000);
  private static final BigInteger LARGE_TRADE = FeePool.WAD.multiply(BigInteger.valueOf(10_000));
  private static final BigInteger BPS = BigInteger.valueOf(10_000);

  @Test
  void dustSwapsWithinAnIntervalRecordNothingAndLeaveTheFee() throws Exception {
    Terms terms =
        new Terms(court.model(), TokenAmount.of(50), 150_000, MIN_FEE, MAX_FEE, MIN_FEE, 5);
    FeePool pool = FeePool.deploy(court.challenger(), terms, 100, TokenAmount.of(1_000));
    pool.follow(volatilePath(7, 0.02, 65));
    update(pool);
    int before = pool.feeBps();
    assertThat(before).as("the volatile market's fee").isEqualTo(MAX_FEE);

    long pricesBefore = pool.priceCount();
    for (int i = 0; i < DUST_SWAPS; i++) {
      pool.swap(i % 2 == 0 ? pool.token0() : pool.token1(), DUST);
    }
    long recorded = pool.priceCount() - pricesBefore;
    if (pool.priceCount() != pool.binding().pricesAtLastRequest().send().longValueExact()) {
      update(pool);
    } else { // nothing new to ask about: the attacker's fee update is refused
      assertReverts(() -> pool.requestFeeUpdate(actors.account(Actors.OUTSIDER)), "NoNewPrices");
    }
    int after = pool.feeBps();

    BigInteger r0 = pool.binding().reserve0().send();
    BigInteger r1 = pool.binding().reserve1().send();
    BigInteger out =
        DynamicFeePool.getSwappedEvents(pool.swap(pool.token0(), LARGE_TRADE).receipt())
            .get(0)
            .amountOut;
    BigInteger honestOut = amountOut(LARGE_TRADE, r0, r1, before);
    BigInteger feeSaved = LARGE_TRADE.multiply(BigInteger.valueOf(before - after)).divide(BPS);
    BigInteger extraOut = out.subtract(honestOut);
    String numbers =
        String.format(
            Locale.ROOT,
            "%d dust swaps recorded %d prices; fee %d -> %d bps; on a %s trade the attacker"
                + " saved %s base units of fee and received %s extra base units",
            DUST_SWAPS,
            recorded,
            before,
            after,
            LARGE_TRADE,
            feeSaved,
            extraOut);
    System.out.println("dust-swap attack: " + numbers);

    assertThat(recorded).as(numbers).isZero();
    assertThat(after).as("the fee after the attack: " + numbers).isEqualTo(before);
    assertThat(feeSaved).as(numbers).isZero();
    assertThat(extraOut).as(numbers).isZero();
  }

  /** A seeded geometric random walk: {@code returns} steps of volatility {@code sigma}. */
  private static double[] volatilePath(long seed, double sigma, int returns) {
    Random rnd = new Random(seed);
    double[] p = new double[returns + 1];
    p[0] = 100;
    for (int t = 0; t < returns; t++) {
      p[t + 1] = p[t] * Math.exp(-sigma * sigma / 2 + sigma * rnd.nextGaussian());
    }
    return p;
  }

  /** Anyone asks for a fee update; the assigned provider answers with the stand-in model. */
  private void update(FeePool pool) throws Exception {
    double realizedVol = Math.exp(pool.features()[0]);
    Requested r =
        court
            .challenger()
            .coordinator()
            .requested(pool.requestFeeUpdate(actors.account(Actors.OUTSIDER)))
            .get(0);
    float fee = standInFee(realizedVol);
    byte[] output =
        CanonicalTensors.encode(
            List.of(Tensor.ofFloats("fee_bps", new long[] {1, 1}, new float[] {fee})));
    court.providerAt(r.ticket().provider()).coordinator().fulfil(r.id(), r.ticket(), output);
  }

  private static float standInFee(double realizedVol) {
    int best = 0;
    for (int i = 1; i < REGIME_SIGMA.length; i++) {
      if (Math.abs(Math.log(realizedVol / REGIME_SIGMA[i]))
          < Math.abs(Math.log(realizedVol / REGIME_SIGMA[best]))) {
        best = i;
      }
    }
    return REGIME_FEE_BPS[best];
  }

  /** The pool's swap arithmetic at fee {@code feeBps}. */
  private static BigInteger amountOut(BigInteger in, BigInteger rIn, BigInteger rOut, int feeBps) {
    BigInteger afterFee = in.multiply(BPS.subtract(BigInteger.valueOf(feeBps))).divide(BPS);
    return rOut.multiply(afterFee).divide(rIn.add(afterFee));
  }
}
