package io.verinfer.chain.attack;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.bindings.FraudScoreConsumer;
import io.verinfer.chain.bindings.ProviderRegistry;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.Court;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.web3j.protocol.core.methods.request.Transaction;

/**
 * Gas of request assignment ({@code pick}, inside {@code requestInference}) and of one snapshot
 * committee seat draw ({@code ProviderRegistry.drawAt}, estimated as a call) with N real providers
 * of one model, made by a {@code ProviderSwarm}. N = 10 and 1,000 by default; add 10,000 with
 * {@code -Dverinfer.gasAtScale=10000} (several minutes of swarm transactions). Growth must be at
 * most logarithmic: the assertion bounds the largest size at twice the smallest.
 */
class GasAtScaleIT {
  @Test
  void assignmentAndDrawGrowAtMostLogarithmically() throws Exception {
    List<Integer> sizes = new ArrayList<>(List.of(10, 1_000));
    int extra = Integer.getInteger("verinfer.gasAtScale", 0);
    if (extra > 0) sizes.add(extra);
    Map<Integer, long[]> table = new LinkedHashMap<>();
    for (int n : sizes) {
      String snapshot = SharedDevnet.snapshot();
      try (Actors actors = new Actors()) {
        Court court = new Court(actors, "gas-at-scale-" + n + "-" + System.nanoTime());
        VerinferChain admin = actors.admin();
        ListingGrowthAttackIT.swarm(admin, court, n - Court.PROVIDERS, false, 25);
        for (int i = 0; i < SortitionEpoch.BLOCKS; i++) {
          SharedDevnet.mine();
        }
        table.put(n, new long[] {requestGas(court), drawGas(admin, court)});
      } finally {
        SharedDevnet.revert(snapshot);
      }
    }
    System.out.println("GasAtScaleIT: providers | request (pick inside) | one snapshot seat draw");
    table.forEach((n, g) -> System.out.printf("GasAtScaleIT: %,9d | %,9d | %,9d%n", n, g[0], g[1]));
    long[] small = table.get(sizes.get(0));
    long[] large = table.get(sizes.get(sizes.size() - 1));
    assertThat(large[0])
        .as("request gas at %d vs 10", sizes.get(sizes.size() - 1))
        .isLessThan(2 * small[0]);
    assertThat(large[1])
        .as("draw gas at %d vs 10", sizes.get(sizes.size() - 1))
        .isLessThan(4 * small[1]);
  }

  private static long requestGas(Court court) throws Exception {
    FraudScoreConsumer consumer =
        court.fraudScoreConsumer(TokenAmount.of(50), TokenAmount.of(1_000));
    List<BigInteger> features = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      features.add(BigInteger.valueOf(1_000_000L * i));
    }
    long last = 0;
    for (int i = 0; i < 3; i++) {
      TxResult sent =
          court
              .challenger()
              .sender()
              .send(
                  consumer.getContractAddress(),
                  consumer.requestScore(features).encodeFunctionCall());
      last = sent.gasUsed().longValueExact();
    }
    return last;
  }

  private static long drawGas(VerinferChain admin, Court court) throws Exception {
    String registry = admin.providers().address().value();
    ProviderRegistry binding =
        ProviderRegistry.load(
            registry, admin.web3j(), admin.sender(), new org.web3j.tx.gas.DefaultGasProvider());
    BigInteger epoch = binding.currentEpoch().send().subtract(BigInteger.ONE);
    BigInteger total = binding.totalAt(BigInteger.valueOf(court.model().value()), epoch).send();
    String data =
        binding
            .drawAt(
                BigInteger.valueOf(court.model().value()),
                epoch,
                total.divide(BigInteger.valueOf(3)),
                List.of(
                    Court.providerAddress(0).value(),
                    Court.providerAddress(1).value(),
                    Address.ZERO.value()))
            .encodeFunctionCall();
    BigInteger gas =
        admin
            .web3j()
            .ethEstimateGas(
                Transaction.createEthCallTransaction(
                    Actors.address(Actors.OUTSIDER).value(), registry, data))
            .send()
            .getAmountUsed();
    return gas.longValueExact() - 21_000;
  }

  /** The registry's epoch length, mined through so the snapshot holds the swarm. */
  static final class SortitionEpoch {
    static final int BLOCKS = 65;
  }
}
