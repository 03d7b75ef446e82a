package io.verinfer.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.stats.ModelStats;
import io.verinfer.chain.stats.ModelStats.Row;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.Court;
import io.verinfer.chain.testing.DevnetScene;
import io.verinfer.chain.testing.OracleScene;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.oracle.Figures;
import io.verinfer.protocol.oracle.Observation;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code verinfer model list --sort} ranks models by what the chain holds: calls redeemed (a lane
 * redeemed twice counts its highest cumulative count once), eligible providers, disputes per 1,000
 * calls, and the oracle's median provider latency.
 */
class ModelStatsIT extends DevnetScene {

  @Test
  void modelsRankByCallsProvidersDisputesAndLatency() {
    // the court's model: five providers, one dispute, 4 calls redeemed
    Court court = new Court(actors, "stats");
    ModelId disputed = court.model();
    // a busy model: two of the court's providers list it too, 30 calls redeemed (10, then 30)
    ModelId busy = Actors.publish(actors.author(0), "stats-busy", 1_000);
    for (int i = 0; i < 2; i++) court.provider(i).providers().setModel(busy, TokenAmount.of(10));
    Actors.deposit(actors.consumer(1), TokenAmount.of(10_000));
    Address p0 = Court.providerAddress(0);
    court
        .provider(0)
        .channels()
        .redeem(actors.voucher(Actors.CONSUMER_0 + 1, p0, busy, TokenAmount.of(100), 10));
    court
        .provider(0)
        .channels()
        .redeem(actors.voucher(Actors.CONSUMER_0 + 1, p0, busy, TokenAmount.of(300), 30));
    court
        .provider(1)
        .channels()
        .redeem(
            actors.voucher(
                Actors.CONSUMER_0 + 1, Court.providerAddress(1), disputed, TokenAmount.of(40), 4));
    byte[] input = Court.bytes("input");
    court
        .challenger()
        .disputes()
        .open(
            List.of(court.receipt(0, input, Court.bytes("x"), 1)),
            input,
            List.of(Court.bytes("x")));

    // the oracle saw the busy model's providers at 20 and 40 ms, the court's at 90 ms
    OracleScene oracle = new OracleScene(actors, List.of(4, 5, 6, 7)).joinAll();
    long epoch = oracle.nextEpoch();
    List<Address> two = Observation.sorted(List.of(p0, Court.providerAddress(1)));
    List<Figures> fast =
        two.stream().map(p -> new Figures(10_000, p.equals(p0) ? 20 : 40, 10_000)).toList();
    oracle.report(busy.value(), epoch, two, List.of(0, 1, 2, 3), List.of(fast, fast, fast, fast));
    List<Address> five =
        Observation.sorted(
            java.util.stream.IntStream.range(0, Court.PROVIDERS)
                .mapToObj(Court::providerAddress)
                .toList());
    List<Figures> slow = five.stream().map(p -> new Figures(10_000, 90, 10_000)).toList();
    oracle.report(
        disputed.value(), epoch, five, List.of(0, 1, 2, 3), List.of(slow, slow, slow, slow));

    Map<ModelId, Row> rows =
        ModelStats.collect(actors.admin(), ModelStats.Sort.ID, s -> {}).stream()
            .collect(Collectors.toMap(Row::model, Function.identity()));
    Row b = rows.get(busy);
    Row d = rows.get(disputed);
    assertThat(b.calls()).isEqualTo(30);
    assertThat(b.providers()).isEqualTo(2);
    assertThat(b.disputes()).isZero();
    assertThat(b.medianLatencyMs()).hasValue(20); // the lower median of 20 and 40
    assertThat(d.calls()).isEqualTo(4);
    assertThat(d.providers()).isEqualTo(Court.PROVIDERS);
    assertThat(d.disputes()).isEqualTo(1);
    assertThat(d.disputesPerThousand()).isEqualTo(250.0);
    assertThat(d.medianLatencyMs()).hasValue(90);

    List<ModelId> byCalls = order(ModelStats.Sort.CALLS, busy, disputed);
    assertThat(byCalls).containsExactly(busy, disputed);
    assertThat(order(ModelStats.Sort.PROVIDERS, busy, disputed)).containsExactly(disputed, busy);
    assertThat(order(ModelStats.Sort.DISPUTES, busy, disputed)).containsExactly(busy, disputed);
    assertThat(order(ModelStats.Sort.LATENCY, busy, disputed)).containsExactly(busy, disputed);
    System.out.printf("ModelStatsIT: busy %s%nModelStatsIT: disputed %s%n", b, d);
  }

  private List<ModelId> order(ModelStats.Sort sort, ModelId... only) {
    List<ModelId> wanted = List.of(only);
    return ModelStats.collect(actors.admin(), sort, s -> {}).stream()
        .map(Row::model)
        .filter(wanted::contains)
        .toList();
  }
}
