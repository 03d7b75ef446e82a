package io.verinfer.chain.attack;

import static io.verinfer.chain.testing.Reverts.assertReverts;
import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.testing.Court;
import io.verinfer.chain.testing.DevnetScene;
import io.verinfer.chain.testing.OracleScene;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.oracle.Figures;
import io.verinfer.protocol.oracle.Observation;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The recorded standing decides who the coordinator may assign, so every party tries to bend it: a
 * provider reported down records itself again, re-lists the model at another price, or binds the
 * registry to a reputation contract of its own; a competitor records an honest provider hoping to
 * shut it out. None of it changes a standing away from what ProviderReputation computes.
 */
class StandingForgeryAttackIT extends DevnetScene {
  private Court court;

  @BeforeEach
  void openCourt() {
    court = new Court(actors, "standing-forgery");
  }

  @Test
  void noCallerRecordsAStandingOtherThanTheOneReputationComputes() {
    ModelId model = court.model();
    List<Address> all =
        Observation.sorted(
            IntStream.range(0, Court.PROVIDERS).mapToObj(Court::providerAddress).toList());
    Address bad = Court.providerAddress(0);
    Address honest = Court.providerAddress(1);
    OracleScene oracle = new OracleScene(actors, List.of(4, 5, 6, 7)).joinAll();
    long epoch = oracle.nextEpoch();
    List<Figures> v =
        all.stream()
            .map(p -> p.equals(bad) ? Figures.DOWN : new Figures(10_000, 5, 10_000))
            .toList();
    oracle.report(model.value(), epoch, all, List.of(0, 1, 2, 3), List.of(v, v, v, v));
    var registry = actors.admin().providers();
    registry.refreshStandings(model, all);
    assertThat(registry.standingOf(bad, model).belowFloor()).isTrue();

    // the bad provider records itself again: the same verdict
    court.provider(0).providers().refreshStandings(model, List.of(bad));
    assertThat(registry.standingOf(bad, model).belowFloor()).isTrue();
    assertThat(registry.standingOf(bad, model).score()).isZero();
    // it re-lists at another price: the price changes, the standing stays
    court.provider(0).providers().setModel(model, TokenAmount.of(7));
    assertThat(registry.priceOf(bad, model)).isEqualTo(TokenAmount.of(7));
    assertThat(registry.standingOf(bad, model).belowFloor()).isTrue();
    // it cannot point the registry at a reputation contract that says what it likes
    assertReverts(
        () ->
            court
                .provider(0)
                .sender()
                .send(
                    registry.address().value(),
                    io.verinfer.chain.bindings.ProviderRegistry.load(
                            registry.address().value(),
                            court.provider(0).sender().web3j(),
                            court.provider(0).sender(),
                            new org.web3j.tx.gas.DefaultGasProvider())
                        .bindReputation(bad.value())
                        .encodeFunctionCall()),
        "NotDeployer");

    // a competitor records the honest provider: it stays above the floor, at its computed score
    court.provider(0).providers().refreshStandings(model, List.of(honest));
    var h = registry.standingOf(honest, model);
    assertThat(h.belowFloor()).isFalse();
    assertThat(h.score()).isEqualTo(actors.admin().reputation().scoreOf(model, honest));
    System.out.printf(
        "StandingForgeryAttackIT: down provider recorded %s after its own refresh and a re-list;"
            + " honest one %s after a competitor's%n",
        registry.standingOf(bad, model), h);
  }
}
