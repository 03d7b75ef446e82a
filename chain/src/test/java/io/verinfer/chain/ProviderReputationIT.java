package io.verinfer.chain;

import static io.verinfer.chain.testing.Reverts.assertReverts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.verinfer.chain.facade.ProviderReputationFacade;
import io.verinfer.chain.facade.ProviderReputationFacade.Breakdown;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.DevnetScene;
import io.verinfer.chain.testing.OracleScene;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.oracle.Figures;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The on-chain reputation score follows the oracle: a registered provider without a report scores
 * as a newcomer, one reported down scores 0 and falls below the coordinator's floor, one reported
 * up and passing scores its trust, a slow one loses in proportion to its latency, and a status
 * older than {@code freshEpochs} counts as unknown again. Every figure is recomputed here from the
 * breakdown's inputs with the documented formula, exactly. The Provider NFT carries the same
 * figures and cannot be transferred.
 */
class ProviderReputationIT extends DevnetScene {
  private static final long BPS = 10_000;

  private OracleScene scene;
  private ProviderReputationFacade reputation;
  private ModelId model;
  private Address provider;

  @BeforeEach
  void listOneProvider() {
    scene = OracleScene.firstN(actors, 4).joinAll();
    reputation = actors.admin().reputation();
    model = Actors.publish(actors.author(0), "reputation", 1_000);
    VerinferChain p = actors.provider(0);
    TokenAmount stake = TokenAmount.ofTokens("2000");
    p.token().approve(p.providers().address(), stake);
    p.providers().stake(stake);
    p.providers().register("https://p0.reputation.test", Bytes32.ZERO);
    p.providers().setModel(model, TokenAmount.of(10));
    provider = p.account();
  }

  /** The contract's formula, from the inputs the breakdown reports. */
  private static long expected(ProviderReputationFacade.Params p, Breakdown b) {
    long performance;
    if (!b.fresh()) {
      performance = p.newcomerBps();
    } else {
      long latencyFactor =
          b.latencyMs() == Figures.NO_LATENCY
              ? 0
              : b.latencyMs() <= p.latencyTargetMs()
                  ? BPS
                  : BPS * p.latencyTargetMs() / b.latencyMs();
      performance = ((long) b.uptimeBps() * b.canaryBps() / BPS) * latencyFactor / BPS;
    }
    long penalty = Math.max(0, BPS - b.slashes() * p.slashPenaltyBps());
    long stakeFactor =
        b.stake().baseUnits().compareTo(p.stakeRef().baseUnits()) >= 0
            ? BPS
            : b.stake()
                .baseUnits()
                .multiply(BigInteger.valueOf(BPS))
                .divide(p.stakeRef().baseUnits())
                .longValueExact();
    long ageFactor =
        b.age().compareTo(p.ageRef()) >= 0
            ? BPS
            : BPS * b.age().toSeconds() / p.ageRef().toSeconds();
    long trust =
        p.trustFloorBps() + (BPS - p.trustFloorBps()) * (stakeFactor + ageFactor) / 2 / BPS;
    assertThat(b.performance()).as("performance").isEqualTo(performance);
    assertThat(b.penalty()).as("penalty").isEqualTo(penalty);
    assertThat(b.trust()).as("trust").isEqualTo(trust);
    return performance * penalty / BPS * trust / BPS;
  }

  private Breakdown checked() {
    Breakdown b = reputation.breakdown(model, provider);
    assertThat(b.score()).isEqualTo(expected(reputation.params(), b));
    assertThat(reputation.scoreOf(model, provider)).isEqualTo(b.score());
    assertThat(reputation.meetsFloor(model, provider))
        .isEqualTo(b.score() >= reputation.params().floorBps());
    return b;
  }

  private void report(Figures figures) {
    long epoch = scene.nextEpoch();
    List<Figures> v = List.of(figures);
    scene.report(model.value(), epoch, List.of(provider), List.of(0, 1, 2, 3), List.of(v, v, v, v));
  }

  @Test
  void theScoreFollowsTheOraclesReportsAndTheFloorShutsOutADownProvider() {
    var params = reputation.params();
    Breakdown newcomer = checked();
    assertThat(newcomer.fresh()).isFalse();
    assertThat(newcomer.performance()).isEqualTo(params.newcomerBps());
    assertThat(newcomer.stake()).isEqualTo(TokenAmount.ofTokens("2000"));
    assertThat(reputation.meetsFloor(model, provider)).as("a newcomer is assignable").isTrue();

    report(Figures.DOWN);
    Breakdown down = checked();
    assertThat(down.fresh()).isTrue();
    assertThat(down.score()).isZero();
    assertThat(reputation.meetsFloor(model, provider)).as("down: below the floor").isFalse();

    report(new Figures(10_000, 5, 10_000));
    Breakdown up = checked();
    assertThat(up.performance()).isEqualTo(10_000);
    assertThat(up.score()).as("up and passing: its trust").isEqualTo(up.trust());
    assertThat(reputation.meetsFloor(model, provider)).isTrue();

    long slow = params.latencyTargetMs() * 2;
    report(new Figures(10_000, slow, 6_666));
    Breakdown slowAndFlaky = checked();
    assertThat(slowAndFlaky.performance()).isEqualTo(6_666 * 5_000 / 10_000);

    // no report for freshEpochs + 1 epochs: nothing is known, a newcomer's score again
    for (int i = 0; i <= params.freshEpochs(); i++) scene.nextEpoch();
    Breakdown stale = checked();
    assertThat(stale.fresh()).isFalse();
    assertThat(stale.performance()).isEqualTo(params.newcomerBps());
    System.out.printf(
        "ProviderReputationIT: scores newcomer %d, down %d, up %d, slow+flaky %d, stale %d"
            + " (floor %d, trust %d)%n",
        newcomer.score(),
        down.score(),
        up.score(),
        slowAndFlaky.score(),
        stale.score(),
        params.floorBps(),
        up.trust());
  }

  @Test
  void theProviderNftCarriesTheFiguresAndStaysWithItsProvider() {
    assertReverts(() -> reputation.mint(Actors.address(Actors.OUTSIDER)), "NotRegistered");
    reputation.mint(provider);
    assertThat(reputation.hasNft(provider)).isTrue();
    assertReverts(() -> reputation.mint(provider), "AlreadyMinted");

    report(new Figures(10_000, 7, 10_000));
    Map<String, String> traits = traits(reputation.metadata(provider));
    Breakdown b = reputation.breakdown(model, provider);
    String m = "model " + model.value() + " ";
    assertThat(traits)
        .containsEntry(m + "score bps", Integer.toString(b.score()))
        .containsEntry(m + "uptime bps", "10000")
        .containsEntry(m + "latency ms", "7")
        .containsEntry(m + "canary bps", "10000")
        .containsEntry("slashes", "0")
        .containsEntry("stake", TokenAmount.ofTokens("2000").baseUnits().toString());

    report(Figures.DOWN); // the same token, new figures: nothing to re-mint or refresh
    Map<String, String> after = traits(reputation.metadata(provider));
    assertThat(after).containsEntry(m + "score bps", "0").containsEntry(m + "latency ms", "none");

    // soulbound: the provider cannot hand its record to another account
    var nft =
        io.verinfer.chain.bindings.ProviderReputation.load(
            reputation.address().value(),
            actors.provider(0).sender().web3j(),
            actors.provider(0).sender(),
            new org.web3j.tx.gas.DefaultGasProvider());
    String transfer =
        nft.transferFrom(
                provider.value(),
                Actors.address(Actors.OUTSIDER).value(),
                new BigInteger(1, provider.bytes()))
            .encodeFunctionCall();
    assertReverts(
        () -> actors.provider(0).sender().send(reputation.address().value(), transfer),
        "Soulbound");
  }

  @Test
  void onlyTheTimelockSetsTheParameters() {
    var p = reputation.params();
    var nft =
        io.verinfer.chain.bindings.ProviderReputation.load(
            reputation.address().value(),
            actors.admin().sender().web3j(),
            actors.admin().sender(),
            new org.web3j.tx.gas.DefaultGasProvider());
    String call =
        nft.setParams(
                new io.verinfer.chain.bindings.ProviderReputation.Params(
                    BigInteger.valueOf(p.newcomerBps()),
                    BigInteger.valueOf(p.slashPenaltyBps()),
                    BigInteger.valueOf(p.trustFloorBps()),
                    BigInteger.ZERO,
                    BigInteger.valueOf(p.latencyTargetMs()),
                    BigInteger.valueOf(p.freshEpochs()),
                    p.stakeRef().baseUnits(),
                    BigInteger.valueOf(p.ageRef().toSeconds())))
            .encodeFunctionCall();
    assertReverts(
        () -> actors.admin().sender().send(reputation.address().value(), call),
        "AccessControlUnauthorizedAccount");
    assertThat(reputation.params()).isEqualTo(p);
  }

  private static Map<String, String> traits(JsonNode metadata) {
    Map<String, String> out = new HashMap<>();
    for (JsonNode t : metadata.path("attributes")) {
      out.put(t.path("trait_type").asText(), t.path("value").asText());
    }
    return out;
  }
}
