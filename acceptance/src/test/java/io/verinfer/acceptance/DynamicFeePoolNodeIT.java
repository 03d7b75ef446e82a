package io.verinfer.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.bindings.DynamicFeePool;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.FeePool;
import io.verinfer.chain.testing.FeePool.Terms;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.runtime.packs.train.AmmDataGenerator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The use case end to end on the devnet, with nobody playing the provider: a paid provider node
 * serves the trained {@code amm-fee} model, its request watcher picks up the {@code
 * DynamicFeePool}'s requests, runs the model on ONNX Runtime and fulfils; the pool applies the fee
 * in the callback. After a calm price path the fee stays at its base (the answer falls inside the
 * pool's dead band); after a volatile one it rises above 70 bps.
 */
class DynamicFeePoolNodeIT {
  private static final double CALM = 0.001;
  private static final double VOLATILE = 0.02;
  private static final int BASE_FEE = 5;
  private static final Duration CALLBACK_TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void aProviderNodeSetsThePoolsFeeFromItsMarket() throws Exception {
    try (Marketplace market = Marketplace.open(dir)) {
      ModelId model = market.publishPack("amm-fee", 5);
      market.onchainConfirmations(0); // the shared devnet mines only when a transaction arrives
      market.startProvider(8, TokenAmount.of(10));
      VerinferChain owner = market.chain(Actors.CONSUMER_0);
      FeePool pool =
          FeePool.deploy(
              owner,
              new Terms(model, TokenAmount.of(50), 150_000, BASE_FEE, 100, BASE_FEE, 5),
              100,
              TokenAmount.of(1_000));
      VerinferChain anyone = market.chain(Actors.OUTSIDER);

      pool.follow(AmmDataGenerator.constantVolatilityPath(21, CALM, 65, 100));
      int calm = update(pool, anyone, "calm");
      pool.follow(AmmDataGenerator.constantVolatilityPath(22, VOLATILE, 65, 100));
      int volatileFee = update(pool, anyone, "volatile");

      assertThat(calm).isEqualTo(BASE_FEE);
      assertThat(volatileFee).isGreaterThan(70);
    }
  }

  /** Asks for a fee update and waits (bounded) for the node's answer to reach the callback. */
  private static int update(FeePool pool, VerinferChain caller, String market) throws Exception {
    pool.requestFeeUpdate(caller);
    DynamicFeePool binding = pool.binding();
    long deadline = System.nanoTime() + CALLBACK_TIMEOUT.toNanos();
    while (!binding.pendingRequest().send().equals(java.math.BigInteger.ZERO)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no answer from the provider node within " + CALLBACK_TIMEOUT);
      }
      Thread.sleep(100);
    }
    int fee = pool.feeBps();
    // the callback ran with the node's answer: the pool's last FeeUpdated names it
    var filter =
        new org.web3j.protocol.core.methods.request.EthFilter(
            org.web3j.protocol.core.DefaultBlockParameterName.EARLIEST,
            org.web3j.protocol.core.DefaultBlockParameterName.LATEST,
            pool.address().value());
    filter.addSingleTopic(org.web3j.abi.EventEncoder.encode(DynamicFeePool.FEEUPDATED_EVENT));
    var logs = caller.web3j().ethGetLogs(filter).send().getLogs();
    assertThat(logs).isNotEmpty();
    var last = (org.web3j.protocol.core.methods.response.Log) logs.get(logs.size() - 1).get();
    var values =
        org.web3j.tx.Contract.staticExtractEventParameters(DynamicFeePool.FEEUPDATED_EVENT, last)
            .getNonIndexedValues();
    long raw = ((java.math.BigInteger) values.get(0).getValue()).longValueExact();
    assertThat(((java.math.BigInteger) values.get(2).getValue()).intValueExact()).isEqualTo(fee);
    System.out.printf(
        Locale.ROOT,
        "node-driven fee update (%s market): model answered %.6f bps, fee now %d bps%n",
        market,
        raw / 1e6,
        fee);
    return fee;
  }
}
