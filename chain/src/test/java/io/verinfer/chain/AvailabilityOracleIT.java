package io.verinfer.chain;

import static io.verinfer.chain.testing.Reverts.assertReverts;
import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.facade.AvailabilityOracleFacade;
import io.verinfer.chain.facade.AvailabilityOracleFacade.SignedObservation;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.OracleScene;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.oracle.Figures;
import io.verinfer.protocol.oracle.Observation;
import io.verinfer.protocol.oracle.ReportMath;
import io.verinfer.protocol.oracle.ReportTree;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The availability oracle on the devnet: adapters stake and join, sign their own observation
 * vectors, and one transaction per model and epoch carries a quorum of them; the contract keeps
 * each provider's lower medians (or, for a large report, only the Merkle root, leaves applied with
 * proofs). Every refusal leaves the state as it was.
 */
class AvailabilityOracleIT {
  private static final long MODEL = 7;

  private Actors actors;
  private OracleScene scene;
  private AvailabilityOracleFacade oracle;
  private String snapshot;

  @BeforeEach
  void setUp() {
    snapshot = SharedDevnet.snapshot();
    actors = new Actors();
    scene = OracleScene.firstN(actors, 4).joinAll();
    oracle = scene.oracle();
  }

  @AfterEach
  void tearDown() {
    actors.close();
    SharedDevnet.revert(snapshot);
  }

  private static List<Figures> vector(int n, IntFunction<Figures> f) {
    List<Figures> v = new ArrayList<>();
    for (int i = 0; i < n; i++) v.add(f.apply(i));
    return v;
  }

  @Test
  void aQuorumOfSignedVectorsSetsEveryProvidersMedians() {
    assertThat(oracle.activeAdapters()).hasSize(4);
    assertThat(oracle.quorum()).isEqualTo(3);
    TokenAmount pool = TokenAmount.ofTokens("10");
    actors.admin().token().approve(oracle.address(), pool);
    actors.admin().oracle().fundRewards(pool);

    List<Address> providers = OracleScene.providers(5, 1);
    List<List<Figures>> vectors = new ArrayList<>();
    for (int a = 0; a < 4; a++) {
      int jitter = a * 10;
      int base = 12 + a;
      vectors.add(
          vector(
              5,
              i -> i == 4 ? Figures.DOWN : new Figures(9_900 - jitter, base + i, 10_000 - jitter)));
    }
    long epoch = scene.nextEpoch();
    Observation first = new Observation(MODEL, epoch, providers, vectors.get(0));
    assertThat(first.digest(oracle.domain()))
        .as("the Java digest is the contract's")
        .isEqualTo(oracle.observationDigest(first));

    var tx = scene.report(MODEL, epoch, providers, List.of(0, 1, 2, 3), vectors);
    System.out.printf(
        "AvailabilityOracleIT: report of 5 providers by 4 adapters: %s gas%n", tx.gasUsed());

    ReportMath.Result expected = ReportMath.aggregate(vectors, 1_000, 10_000);
    for (int i = 0; i < 5; i++) {
      var status = oracle.statusOf(MODEL, providers.get(i));
      assertThat(status.epoch()).isEqualTo(epoch);
      assertThat(status.figures()).isEqualTo(expected.medians().get(i));
    }
    // lower median of four: the second smallest uptime (9,880), latency 13 + i
    assertThat(oracle.statusOf(MODEL, providers.get(0)).figures())
        .isEqualTo(new Figures(9_880, 13, 9_980));
    assertThat(oracle.statusOf(MODEL, providers.get(4)).figures().up()).isFalse();
    assertThat(oracle.reportRoot(MODEL, epoch))
        .isEqualTo(new ReportTree(MODEL, epoch, providers, expected.medians()).root());
    assertThat(oracle.lastReported(MODEL)).isEqualTo(epoch);
    for (int a = 0; a < 4; a++) {
      var adapter = oracle.adapterOf(scene.address(a));
      assertThat(adapter.reward())
          .as("adapter %d in tolerance: rewarded", a)
          .isEqualTo(TokenAmount.ofTokens("1"));
      assertThat(adapter.strikes()).isZero();
    }
    assertThat(oracle.rewardPool()).isEqualTo(TokenAmount.ofTokens("6"));
    var before = scene.adapter(0).token().balanceOf(scene.address(0));
    scene.adapter(0).oracle().claimReward();
    assertThat(scene.adapter(0).token().balanceOf(scene.address(0)))
        .isEqualTo(before.plus(TokenAmount.ofTokens("1")));
  }

  @Test
  void aReportWithoutQuorumOrWithABadSignatureOrEpochChangesNothing() {
    List<Address> providers = OracleScene.providers(3, 2);
    List<Figures> honest = vector(3, i -> new Figures(10_000, 10, 10_000));
    long epoch = scene.nextEpoch();
    SignedObservation s0 = scene.signed(0, MODEL, epoch, providers, honest);
    SignedObservation s1 = scene.signed(1, MODEL, epoch, providers, honest);
    SignedObservation s2 = scene.signed(2, MODEL, epoch, providers, honest);

    assertReverts(() -> oracle.submit(List.of(s0, s1)), "BelowQuorum");
    assertReverts(() -> oracle.submit(List.of(s0, s1, s1)), "AdaptersNotSorted");
    // an outsider's vector (it never joined)
    var outsiderScene = new OracleScene(actors, List.of(Actors.OUTSIDER));
    SignedObservation outsider = outsiderScene.signed(0, MODEL, epoch, providers, honest);
    assertReverts(() -> oracle.submit(List.of(s0, s1, outsider)), "NotActiveAdapter");
    // adapter 2's signature over other figures than those submitted
    List<Figures> other = vector(3, i -> new Figures(0, 10, 0));
    SignedObservation forged =
        new SignedObservation(
            s2.adapter(), new Observation(MODEL, epoch, providers, other), s2.signature());
    assertReverts(() -> oracle.submit(List.of(s0, s1, forged)), "BadSignature");
    // the same vectors for another model: signed for MODEL only
    SignedObservation wrongModel =
        new SignedObservation(
            s2.adapter(), new Observation(MODEL + 1, epoch, providers, honest), s2.signature());
    assertReverts(
        () ->
            oracle.submit(
                List.of(
                    wrongModel,
                    scene.signed(0, MODEL + 1, epoch, providers, honest),
                    scene.signed(1, MODEL + 1, epoch, providers, honest))),
        "BadSignature");
    // the running epoch cannot be reported yet
    long running = epoch + 1;
    assertReverts(
        () ->
            oracle.submit(
                List.of(
                    scene.signed(0, MODEL, running, providers, honest),
                    scene.signed(1, MODEL, running, providers, honest),
                    scene.signed(2, MODEL, running, providers, honest))),
        "WrongEpoch");
    // providers must be ascending: the same signed vectors with the list's first two swapped
    List<Address> unsorted = List.of(providers.get(1), providers.get(0), providers.get(2));
    assertReverts(() -> oracle.submit(MODEL, epoch, unsorted, List.of(s0, s1, s2)), "BadProviders");
    assertThat(oracle.lastReported(MODEL)).isZero();
    assertThat(oracle.reportRoot(MODEL, epoch)).isEqualTo(Bytes32.ZERO);
    assertThat(oracle.statusOf(MODEL, providers.get(0)).reported()).isFalse();

    oracle.submit(List.of(s0, s1, s2));
    assertReverts(() -> oracle.submit(List.of(s0, s1, s2)), "AlreadyReported");
    // a whole epoch later the old signatures are worthless (the epoch is signed)
    long later = scene.nextEpoch();
    assertThat(later).isEqualTo(epoch + 1);
    assertReverts(
        () ->
            oracle.submit(
                List.of(
                    new SignedObservation(
                        s0.adapter(),
                        new Observation(MODEL, later, providers, honest),
                        s0.signature()),
                    new SignedObservation(
                        s1.adapter(),
                        new Observation(MODEL, later, providers, honest),
                        s1.signature()),
                    new SignedObservation(
                        s2.adapter(),
                        new Observation(MODEL, later, providers, honest),
                        s2.signature()))),
        "BadSignature");
    // and an epoch that went unreported stays so
    scene.nextEpoch();
    assertReverts(
        () ->
            oracle.submit(
                List.of(
                    scene.signed(0, MODEL, later, providers, honest),
                    scene.signed(1, MODEL, later, providers, honest),
                    scene.signed(2, MODEL, later, providers, honest))),
        "WrongEpoch");
    assertThat(oracle.lastReported(MODEL)).isEqualTo(epoch);
  }

  @Test
  void aLargeReportIsAMerkleRootWhoseLeavesAnyoneApplies() {
    int n = 100;
    List<Address> providers = OracleScene.providers(n, 3);
    List<List<Figures>> vectors = new ArrayList<>();
    for (int a = 0; a < 3; a++) {
      int s = a;
      vectors.add(vector(n, i -> new Figures(9_000 + (i % 10) * 100, 5 + i + s, 10_000 - s)));
    }
    long epoch = scene.nextEpoch();
    var tx = scene.report(MODEL, epoch, providers, List.of(0, 1, 2), vectors);
    System.out.printf(
        "AvailabilityOracleIT: Merkle report of %d providers by 3 adapters: %s gas%n",
        n, tx.gasUsed());
    ReportMath.Result expected = ReportMath.aggregate(vectors, 1_000, 10_000);
    ReportTree tree = new ReportTree(MODEL, epoch, providers, expected.medians());
    assertThat(oracle.reportRoot(MODEL, epoch)).isEqualTo(tree.root());
    assertThat(oracle.statusOf(MODEL, providers.get(42)).reported())
        .as("above DIRECT_LIMIT nothing is written per provider")
        .isFalse();

    var outsider = actors.account(Actors.OUTSIDER).oracle();
    Figures right = expected.medians().get(42);
    Figures better = new Figures(10_000, 1, 10_000);
    assertReverts(
        () -> outsider.applyLeaf(MODEL, epoch, providers.get(42), better, tree.proof(42)),
        "BadProof");
    assertReverts(
        () -> outsider.applyLeaf(MODEL, epoch, providers.get(41), right, tree.proof(42)),
        "BadProof");
    var applied = outsider.applyLeaf(MODEL, epoch, providers.get(42), right, tree.proof(42));
    System.out.printf("AvailabilityOracleIT: applyLeaf: %s gas%n", applied.gasUsed());
    assertThat(oracle.statusOf(MODEL, providers.get(42)))
        .isEqualTo(new AvailabilityOracleFacade.Status(epoch, right));
    assertReverts(
        () -> outsider.applyLeaf(MODEL, epoch, providers.get(42), right, tree.proof(42)),
        "StaleStatus");
    // the last, odd leaf moved up unchanged
    outsider.applyLeaf(
        MODEL, epoch, providers.get(n - 1), expected.medians().get(n - 1), tree.proof(n - 1));
  }

  @Test
  void anExitingAdapterStopsCountingAndGetsItsStakeBackAfterTheDelay() {
    var leaver = scene.adapter(3);
    leaver.oracle().requestExit();
    assertThat(oracle.activeAdapters()).hasSize(3).doesNotContain(scene.address(3));
    List<Address> providers = OracleScene.providers(2, 4);
    List<Figures> honest = vector(2, i -> new Figures(10_000, 10, 10_000));
    long epoch = scene.nextEpoch();
    assertReverts(
        () ->
            oracle.submit(
                List.of(
                    scene.signed(0, MODEL, epoch, providers, honest),
                    scene.signed(1, MODEL, epoch, providers, honest),
                    scene.signed(3, MODEL, epoch, providers, honest))),
        "NotActiveAdapter");
    assertReverts(() -> leaver.oracle().withdraw(), "ExitNotReady");
    assertReverts(
        () -> leaver.oracle().join(OracleScene.STAKE, "https://127.0.0.1:1/"), "StillExiting");
    var before = leaver.token().balanceOf(scene.address(3));
    SharedDevnet.increaseTime(oracle.params().exitDelay().toSeconds() + 1);
    leaver.oracle().withdraw();
    assertThat(leaver.token().balanceOf(scene.address(3)))
        .isEqualTo(before.plus(OracleScene.STAKE));
    assertReverts(() -> leaver.oracle().withdraw(), "NothingToWithdraw");
  }

  @Test
  void joiningNeedsTheMinimumStakeAndAnEndpoint() {
    var outsider = actors.account(Actors.OUTSIDER);
    outsider.token().approve(oracle.address(), OracleScene.STAKE);
    assertReverts(
        () -> outsider.oracle().join(TokenAmount.ofTokens("999"), "https://127.0.0.1:1/"),
        "BelowMinimumStake");
    assertReverts(() -> outsider.oracle().join(OracleScene.STAKE, ""), "InvalidEndpoint");
    assertReverts(
        () -> scene.adapter(0).oracle().join(OracleScene.STAKE, "https://127.0.0.1:1/"),
        "AlreadyAdapter");
    assertThat(oracle.activeAdapters()).hasSize(4);
  }
}
