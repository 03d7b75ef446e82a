package io.verinfer.chain.attack;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.CourtScene;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.bindings.FraudScoreConsumer;
import io.verinfer.chain.bindings.ProviderSwarm;
import io.verinfer.chain.testing.Court;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.web3j.tx.gas.StaticGasProvider;

/**
 * Finding 7 (issue 12): listings are never pruned, and the old {@code pick} probed 16 entries of
 * the model's list from a random start, so 300 listings with no stake behind them (stake, register,
 * list, unbond everything) made 39 of 40 requests fail with {@code NoProviderAtFee} while five
 * staked providers stood ready. Selection now draws stake-weighted from a sortition tree: a dead
 * listing weighs 0 and is never drawn, and a draw costs O(log n) reads.
 */
class ListingGrowthAttackIT extends CourtScene {
  static final int DEAD = 300;
  static final int REQUESTS = 40;
  static final int BATCH = 25;

  /** Deploys a swarm and makes {@code count} real providers of the court's model through it. */
  static ProviderSwarm swarm(VerinferChain admin, Court court, int count, boolean dead, int batch)
      throws Exception {
    return swarm(admin, court, count, dead, batch, admin.params().minProviderStake());
  }

  /** {@link #swarm(VerinferChain, Court, int, boolean, int)}, each staking {@code each}. */
  static ProviderSwarm swarm(
      VerinferChain admin, Court court, int count, boolean dead, int batch, TokenAmount each)
      throws Exception {
    StaticGasProvider gas =
        new StaticGasProvider(BigInteger.valueOf(2_000_000_000L), BigInteger.valueOf(29_000_000));
    ProviderSwarm swarm =
        ProviderSwarm.deploy(
                admin.web3j(),
                admin.sender(),
                gas,
                admin.providers().address().value(),
                admin.token().address().value())
            .send();
    admin.token().transfer(Address.of(swarm.getContractAddress()), each.times(count));
    for (int made = 0; made < count; made += batch) {
      int n = Math.min(batch, count - made);
      admin
          .sender()
          .send(
              swarm.getContractAddress(),
              swarm
                  .spawn(
                      BigInteger.valueOf(n),
                      BigInteger.valueOf(court.model().value()),
                      TokenAmount.of(10).baseUnits(),
                      each.baseUnits(),
                      dead)
                  .encodeFunctionCall());
    }
    return swarm;
  }

  @Test
  void deadListingsNeverStarveRequests() throws Exception {
    VerinferChain admin = actors.admin();
    swarm(admin, court, DEAD, true, BATCH);
    assertThat(admin.providers().providersOf(court.model())).hasSize(Court.PROVIDERS + DEAD);

    FraudScoreConsumer consumer =
        court.fraudScoreConsumer(TokenAmount.of(50), TokenAmount.of(1_000));
    int failed = 0;
    List<BigInteger> gas = new ArrayList<>();
    List<BigInteger> features = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      features.add(BigInteger.valueOf(1_000_000L * i));
    }
    for (int i = 0; i < REQUESTS; i++) {
      try {
        TxResult sent =
            court
                .challenger()
                .sender()
                .send(
                    consumer.getContractAddress(),
                    consumer.requestScore(features).encodeFunctionCall());
        gas.add(sent.gasUsed());
      } catch (ContractRevertException e) {
        failed++;
      }
    }
    System.out.printf(
        "ListingGrowthAttackIT: %d dead listings, %d/%d requests failed, request gas %s%n",
        DEAD, failed, REQUESTS, gas.isEmpty() ? "-" : gas.get(gas.size() - 1));
    assertThat(failed)
        .as(
            "requests failed among %d with %d dead listings (old pick: 39 of 40 failed)",
            REQUESTS, DEAD)
        .isZero();
  }
}
