package io.verinfer.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.adapter.StandingRefresher;
import io.verinfer.chain.testing.DevnetScene;
import io.verinfer.chain.testing.OracleScene;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.oracle.Figures;
import io.verinfer.protocol.oracle.ReportMath;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A report over more than 64 providers stores only its Merkle root: the transmitting adapter's
 * {@link StandingRefresher} applies, with proofs built from the medians it computed off-chain, the
 * leaves of the providers reported down (every epoch, so their status never goes stale) and of
 * those back up while the chain still holds them down, and no others.
 */
class MerkleLeavesIT extends DevnetScene {
  private static final long MODEL = 77;
  private static final int N = 70;

  @Test
  void downProvidersLeavesAreAppliedEveryEpochAndARecoveredOnesOnce() {
    OracleScene scene = OracleScene.firstN(actors, 4).joinAll();
    var oracle = scene.oracle();
    var refresher =
        new StandingRefresher(
            actors.admin().providers(), actors.admin().reputation(), actors.admin().oracle());
    List<Address> providers = OracleScene.providers(N, 77);

    // epoch 1: providers 0..4 down, the rest up
    long first = scene.nextEpoch();
    List<Figures> medians = report(scene, first, providers, i -> i < 5);
    assertThat(refresher.applyBadLeaves(MODEL, first, providers, medians)).isEqualTo(5);
    for (int i = 0; i < N; i++) {
      var s = oracle.statusOf(MODEL, providers.get(i));
      if (i < 5) {
        assertThat(s.epoch()).isEqualTo(first);
        assertThat(s.figures()).isEqualTo(Figures.DOWN);
      } else {
        assertThat(s.reported()).as("an up provider's leaf costs nothing").isFalse();
      }
    }

    // epoch 2: provider 0 is back up, 1..4 still down
    long second = scene.nextEpoch();
    medians = report(scene, second, providers, i -> i >= 1 && i < 5);
    assertThat(refresher.applyBadLeaves(MODEL, second, providers, medians)).isEqualTo(5);
    var back = oracle.statusOf(MODEL, providers.get(0));
    assertThat(back.epoch()).isEqualTo(second);
    assertThat(back.figures().uptimeBps()).isEqualTo(10_000);
    for (int i = 1; i < 5; i++) {
      assertThat(oracle.statusOf(MODEL, providers.get(i)).epoch()).isEqualTo(second);
    }
    // nothing left to apply for the same report
    assertThat(refresher.applyBadLeaves(MODEL, second, providers, medians)).isZero();
    System.out.printf(
        "MerkleLeavesIT: %d providers, root-only reports; leaves applied: 5 (epoch %d), 5 (epoch"
            + " %d: four still down, one back up)%n",
        N, first, second);
  }

  /** All four adapters report the same figures; returns the medians the contract took. */
  private static List<Figures> report(
      OracleScene scene,
      long epoch,
      List<Address> providers,
      java.util.function.IntPredicate down) {
    List<Figures> v = new ArrayList<>();
    for (int i = 0; i < providers.size(); i++) {
      v.add(down.test(i) ? Figures.DOWN : new Figures(10_000, 5 + i % 7, 10_000));
    }
    List<List<Figures>> vectors = List.of(v, v, v, v);
    scene.report(MODEL, epoch, providers, List.of(0, 1, 2, 3), vectors);
    var p = scene.oracle().params();
    return ReportMath.aggregate(vectors, p.toleranceBps(), p.latencyToleranceBps()).medians();
  }
}
