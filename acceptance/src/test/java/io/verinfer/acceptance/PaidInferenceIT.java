package io.verinfer.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.acceptance.Marketplace.Provider;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.facade.PaymentChannelsFacade.LaneState;
import io.verinfer.client.ClientOptions;
import io.verinfer.client.InferenceResult;
import io.verinfer.client.ProviderOffer;
import io.verinfer.client.Routing;
import io.verinfer.client.VerinferClient;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consumer buys 1,000 inferences through the SDK from three providers at different prices; every
 * receipt checks out, the providers settle, and the chain shows exactly what the fee rule says.
 */
class PaidInferenceIT {
  private static final int CONSUMER = 2;
  private static final int ROYALTY_BPS = 970; // 9.7 % of each paid amount after the fee
  private static final TokenAmount DEPOSIT = TokenAmount.of(10_000_000);
  private static final int TOTAL_CALLS = 1_000;

  @TempDir Path dir;

  @Test
  void aThousandPaidCallsOverThreeProvidersSettleToTheExactFeeSplit() {
    try (Marketplace market = Marketplace.open(dir)) {
      ModelId model = market.publishFraudDetect(ROYALTY_BPS);
      Provider cheap = market.startProvider(8, TokenAmount.of(1_337));
      Provider mid = market.startProvider(9, TokenAmount.of(2_011));
      Provider dear = market.startProvider(10, TokenAmount.of(3_003));
      VerinferChain admin = market.chain(0);
      Eip712Domain domain = admin.channels().domain();
      int feeBps = admin.params().protocolFeeBps();
      Address treasury = admin.params().treasury();
      Address author = market.chain(Marketplace.AUTHOR).account();
      List<Address> payees =
          List.of(cheap.address(), mid.address(), dear.address(), author, treasury);
      Map<Address, TokenAmount> earningsBefore = new HashMap<>();
      payees.forEach(a -> earningsBefore.put(a, admin.channels().earningsOf(a)));

      VerinferClient client =
          market.consumer(CONSUMER, ClientOptions.defaults().withTimeout(Duration.ofSeconds(5)));
      client.deposit(DEPOSIT);
      assertThat(client.depositBalance()).isEqualTo(DEPOSIT);
      assertThat(client.offers(model))
          .extracting(ProviderOffer::provider, ProviderOffer::price)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(cheap.address(), cheap.price()),
              org.assertj.core.groups.Tuple.tuple(mid.address(), mid.price()),
              org.assertj.core.groups.Tuple.tuple(dear.address(), dear.price()));

      // the cheapest serves by default; routing narrows the choice to the dearer ones
      Map<Provider, Routing> phases = new LinkedHashMap<>();
      phases.put(cheap, Routing.any());
      phases.put(mid, Routing.only(mid.address(), dear.address()));
      phases.put(dear, Routing.only(dear.address()));
      Map<Provider, List<InferenceResult>> served = new LinkedHashMap<>();
      Map<Provider, LaneState> settled = new HashMap<>();
      Map<Address, BigInteger> expected = new HashMap<>();
      Map<Provider, Integer> counts = new HashMap<>();
      int call = 0;
      int phaseIndex = 0;
      for (Map.Entry<Provider, Routing> phase : phases.entrySet()) {
        List<InferenceResult> results = new ArrayList<>();
        int n = TOTAL_CALLS / 3 + (phaseIndex++ < TOTAL_CALLS % 3 ? 1 : 0); // 334, 333, 333
        counts.put(phase.getKey(), n);
        for (int i = 0; i < n; i++, call++) {
          List<Tensor> inputs = List.of(Marketplace.features(call));
          InferenceResult r = client.infer(model, inputs, phase.getValue());
          assertThat(r.provider()).isEqualTo(phase.getKey().address());
          Receipts.assertVerified(r, domain, client.address(), model, inputs);
          results.add(r);
          if (i == n / 2 || i == n - 1) { // settle twice: the fee rule applies per redemption
            assertThat(phase.getKey().settleAll()).isEqualTo(1);
            LaneState now =
                admin.channels().laneOf(client.address(), phase.getKey().address(), model);
            LaneState before =
                settled.getOrDefault(phase.getKey(), new LaneState(TokenAmount.ZERO, 0));
            split(now, before, feeBps, phase.getKey().address(), author, treasury, expected);
            settled.put(phase.getKey(), now);
          }
        }
        Receipts.assertConsecutive(results, phase.getKey().price(), 1);
        served.put(phase.getKey(), results);
      }

      TokenAmount spent = TokenAmount.ZERO;
      for (Provider p : served.keySet()) {
        LaneState lane = admin.channels().laneOf(client.address(), p.address(), model);
        int n = counts.get(p);
        assertThat(lane.calls()).isEqualTo(n);
        assertThat(lane.amount()).isEqualTo(p.price().times(n));
        spent = spent.plus(p.price().times(n));
      }
      for (Address payee : payees) {
        assertThat(admin.channels().earningsOf(payee).minus(earningsBefore.get(payee)))
            .as("earnings of %s", payee)
            .isEqualTo(TokenAmount.of(expected.getOrDefault(payee, BigInteger.ZERO)));
      }
      assertThat(client.depositBalance()).isEqualTo(DEPOSIT.minus(spent));
      assertThat(client.usage().calls()).isEqualTo(TOTAL_CALLS);
      assertThat(client.usage().spend()).isEqualTo(spent);
      assertThat(client.outstanding()).isEmpty();
    }
  }

  /** contracts/README.md: fee = Δ·bps/10⁴ (down), royalty = min(Δcalls·royalty, Δ − fee), rest. */
  private static void split(
      LaneState now,
      LaneState before,
      int feeBps,
      Address provider,
      Address author,
      Address treasury,
      Map<Address, BigInteger> expected) {
    BigInteger delta = now.amount().baseUnits().subtract(before.amount().baseUnits());
    BigInteger fee = delta.multiply(BigInteger.valueOf(feeBps)).divide(BigInteger.valueOf(10_000));
    BigInteger royalty =
        delta
            .subtract(fee)
            .multiply(BigInteger.valueOf(ROYALTY_BPS))
            .divide(BigInteger.valueOf(10_000));
    expected.merge(treasury, fee, BigInteger::add);
    expected.merge(author, royalty, BigInteger::add);
    expected.merge(provider, delta.subtract(fee).subtract(royalty), BigInteger::add);
  }
}
