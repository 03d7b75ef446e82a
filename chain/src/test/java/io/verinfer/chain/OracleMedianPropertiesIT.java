package io.verinfer.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.facade.AvailabilityOracleFacade;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.OracleScene;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.oracle.Figures;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeTry;

/**
 * The oracle's guarantees over random reports on the devnet: with fewer than a third of the active
 * adapters lying (all of them in the report, the transmitter picking the smallest quorum it may),
 * every stored figure lies between two honest adapters' values; an honest adapter is never struck;
 * and no token is created or lost (the oracle holds exactly the stakes, the rewards owed and the
 * pool; what a slash takes arrives at the treasury).
 */
class OracleMedianPropertiesIT {
  private static final long MODEL = 21;

  private Actors actors;
  private String snapshot;

  @BeforeTry
  void snapshot() {
    snapshot = SharedDevnet.snapshot();
    actors = new Actors();
  }

  @AfterTry
  void revert() {
    actors.close();
    SharedDevnet.revert(snapshot);
  }

  @Property(tries = 12)
  void fewerThanAThirdLyingMoveNoFigureOutsideTheHonestRange(
      @ForAll @IntRange(min = 3, max = 7) int adapters,
      @ForAll @IntRange(min = 1, max = 6) int providerCount,
      @ForAll long seed) {
    Random random = new Random(seed);
    OracleScene scene = OracleScene.firstN(actors, adapters).joinAll();
    AvailabilityOracleFacade oracle = scene.oracle();
    TokenAmount pool = TokenAmount.ofTokens("3");
    actors.admin().token().approve(oracle.address(), pool);
    actors.admin().oracle().fundRewards(pool);
    int quorum = oracle.quorum();
    int liars = (adapters - 1) / 3; // the most that stays below a third
    // liars are the first `liars` adapters, all in the report; honest ones fill up the quorum
    int included = quorum + random.nextInt(adapters - quorum + 1);
    List<Integer> who = new ArrayList<>();
    for (int i = 0; i < included; i++) who.add(i);
    List<Address> providers = OracleScene.providers(providerCount, random.nextInt());
    List<Figures> truth = new ArrayList<>();
    for (int i = 0; i < providerCount; i++) {
      truth.add(
          new Figures(
              9_000 + random.nextInt(1_001),
              5 + random.nextInt(200),
              9_000 + random.nextInt(1_001)));
    }
    List<List<Figures>> vectors = new ArrayList<>();
    for (int w : who) {
      List<Figures> v = new ArrayList<>();
      for (Figures t : truth) {
        v.add(w < liars ? lie(random) : near(t, random));
      }
      vectors.add(v);
    }
    BigInteger before = oracleHoldings(oracle, scene).add(treasuryBalance());
    long epoch = scene.nextEpoch();
    scene.report(MODEL, epoch, providers, who, vectors);

    for (int i = 0; i < providerCount; i++) {
      Figures median = oracle.statusOf(MODEL, providers.get(i)).figures();
      List<Figures> honest = new ArrayList<>();
      for (int j = liars; j < included; j++) honest.add(vectors.get(j).get(i));
      assertThat(median.uptimeBps())
          .isBetween(min(honest, Figures::uptimeBps), max(honest, Figures::uptimeBps));
      assertThat(median.canaryBps())
          .isBetween(min(honest, Figures::canaryBps), max(honest, Figures::canaryBps));
      assertThat(median.latencyMs())
          .isBetween(
              (long) min(honest, f -> (int) f.latencyMs()),
              (long) max(honest, f -> (int) f.latencyMs()));
    }
    for (int j = liars; j < adapters; j++) {
      assertThat(oracle.adapterOf(scene.address(j)).strikes()).as("honest adapter %d", j).isZero();
    }
    assertThat(oracleHoldings(oracle, scene).add(treasuryBalance()))
        .as("stakes + rewards + pool + treasury")
        .isEqualTo(before);
    assertThat(actors.admin().token().balanceOf(oracle.address()).baseUnits())
        .isEqualTo(oracleHoldings(oracle, scene));
  }

  /** An honest adapter's view: the truth within half the tolerances. */
  private static Figures near(Figures t, Random r) {
    return new Figures(
        Math.min(10_000, t.uptimeBps() + r.nextInt(499)),
        t.latencyMs() + r.nextInt(12),
        Math.max(0, t.canaryBps() - r.nextInt(499)));
  }

  private static Figures lie(Random r) {
    return switch (r.nextInt(3)) {
      case 0 -> Figures.DOWN;
      case 1 -> new Figures(10_000, 0, 10_000);
      default -> new Figures(r.nextInt(10_001), r.nextInt(100_000), r.nextInt(10_001));
    };
  }

  private static int min(List<Figures> list, java.util.function.ToIntFunction<Figures> f) {
    return list.stream().mapToInt(f).min().orElseThrow();
  }

  private static int max(List<Figures> list, java.util.function.ToIntFunction<Figures> f) {
    return list.stream().mapToInt(f).max().orElseThrow();
  }

  private BigInteger treasuryBalance() {
    return actors.admin().token().balanceOf(Actors.treasuryAddress()).baseUnits();
  }

  private static BigInteger oracleHoldings(AvailabilityOracleFacade oracle, OracleScene scene) {
    BigInteger sum = oracle.rewardPool().baseUnits();
    for (int i = 0; i < scene.size(); i++) {
      var a = oracle.adapterOf(scene.address(i));
      sum = sum.add(a.stake().baseUnits()).add(a.reward().baseUnits());
    }
    return sum;
  }
}
