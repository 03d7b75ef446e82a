package io.verinfer.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.OracleScene;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.oracle.Figures;
import io.verinfer.protocol.oracle.ReportMath;
import io.verinfer.protocol.oracle.ReportTree;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What one epoch's report costs at 10, 64, 100 and 1,000 providers, by 4 and by 5 adapters whose
 * figures for a provider differ by one lost probe or a few milliseconds (bench/README "Availability
 * oracle gas"): up to {@code DIRECT_LIMIT} (64) providers every median is stored; above, only the
 * root, and each provider's leaf costs one {@code applyLeaf}. The 1,000-provider report is sent
 * without {@code eth_estimateGas}: Hardhat holds every step of each estimation run in memory (over
 * 20 GB for that report), one plain execution peaks near 4.5 GB.
 */
class OracleGasIT {
  private static final long MODEL = 31;
  private static Actors actors;
  private static String snapshot;

  @BeforeAll
  static void setUp() {
    snapshot = SharedDevnet.snapshot();
    actors = new Actors();
  }

  @AfterAll
  static void tearDown() {
    actors.close();
    SharedDevnet.revert(snapshot);
  }

  /**
   * Sends the report with a fixed gas limit from an unlocked dev account (its sender needs no
   * signature: the adapters' signatures are in the calldata): one execution, where {@code
   * eth_estimateGas} would run it several times in one request and Hardhat would hold every run's
   * trace.
   */
  private static BigInteger sentWithoutEstimate(
      io.verinfer.chain.facade.AvailabilityOracleFacade oracle,
      List<io.verinfer.chain.facade.AvailabilityOracleFacade.SignedObservation> signed) {
    var tx =
        java.util.Map.of(
            "from", Actors.address(0).value(),
            "to", oracle.address().value(),
            "data", oracle.encodeSubmit(signed),
            "gas", "0x" + Long.toHexString(29_000_000));
    String hash = (String) SharedDevnet.rpc("eth_sendTransaction", List.of(tx));
    @SuppressWarnings("unchecked")
    var receipt =
        (java.util.Map<String, Object>)
            SharedDevnet.rpc("eth_getTransactionReceipt", List.of(hash));
    assertThat(receipt.get("status")).as("the report transaction succeeded").isEqualTo("0x1");
    return new BigInteger(((String) receipt.get("gasUsed")).substring(2), 16);
  }

  @Test
  void reportGasAtTenHundredAndAThousandProviders() {
    OracleScene scene = OracleScene.firstN(actors, 5).joinAll();
    var oracle = scene.oracle();
    StringBuilder table =
        new StringBuilder("OracleGasIT: report gas (one transaction per epoch)\n");
    table.append(
        String.format(
            "  %9s %8s %12s %12s %s%n", "providers", "adapters", "gas", "gas/provider", "stored"));
    int[] sizes = {10, 64, 100, 1_000};
    for (int adapters : new int[] {4, 5}) {
      for (int n : sizes) {
        List<Address> providers = OracleScene.providers(n, n * 10 + adapters);
        List<List<Figures>> vectors = new ArrayList<>();
        List<Integer> who = new ArrayList<>();
        // what adapters probing three times an epoch see: a provider's uptime and canary pass
        // rate agree unless one probe was lost (here for 1 in 20, by one adapter), its latency
        // differs by a few milliseconds in no particular order
        java.util.Random noise = new java.util.Random(n * 31L + adapters);
        for (int a = 0; a < adapters; a++) {
          List<Figures> v = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            boolean lost = i % 20 == a;
            int uptime = lost ? 6_666 : 10_000;
            v.add(new Figures(uptime, 5 + i % 50 + noise.nextInt(5), lost ? 6_666 : 10_000));
          }
          vectors.add(v);
          who.add(a);
        }
        // sign first (for the running epoch), then move to the next: the large reports take
        // Hardhat seconds to estimate and run, and the epoch must not end meanwhile
        long epoch = oracle.currentEpoch();
        var signed =
            new ArrayList<io.verinfer.chain.facade.AvailabilityOracleFacade.SignedObservation>();
        for (int a : who) signed.add(scene.signed(a, MODEL, epoch, providers, vectors.get(a)));
        assertThat(scene.nextEpoch()).isEqualTo(epoch);
        // and pin the block's clock inside the next epoch (Hardhat's estimate runs it many times)
        long inNext = SharedDevnet.latestTimestamp() + 1;
        SharedDevnet.rpc("evm_setNextBlockTimestamp", List.of(inNext));
        long t0 = System.nanoTime();
        BigInteger gas =
            n <= 100 ? oracle.submit(signed).gasUsed() : sentWithoutEstimate(oracle, signed);
        System.out.printf(
            "OracleGasIT: %d providers by %d adapters submitted in %d ms%n",
            n, adapters, (System.nanoTime() - t0) / 1_000_000);
        table.append(
            String.format(
                "  %9d %8d %,12d %,12d %s%n",
                n,
                adapters,
                gas,
                gas.longValueExact() / n,
                n <= 64 ? "every median" : "root only"));
        if (n == 100 && adapters == 4) {
          var medians = ReportMath.aggregate(vectors, 1_000, 10_000).medians();
          ReportTree tree = new ReportTree(MODEL, epoch, providers, medians);
          BigInteger leaf =
              oracle
                  .applyLeaf(MODEL, epoch, providers.get(50), medians.get(50), tree.proof(50))
                  .gasUsed();
          table.append(
              String.format(
                  "  applyLeaf of one provider of 100: %,d gas (proof of %d hashes)%n",
                  leaf, tree.proof(50).size()));
          assertThat(oracle.statusOf(MODEL, providers.get(50)).figures())
              .isEqualTo(medians.get(50));
        }
      }
    }
    System.out.print(table);
  }
}
