package io.verinfer.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProviderRankingTest {
  private static final Address A = Address.of("0x000000000000000000000000000000000000000a");
  private static final Address B = Address.of("0x000000000000000000000000000000000000000b");
  private static final Address C = Address.of("0x000000000000000000000000000000000000000c");

  /** A clock the test moves by hand. */
  private static final class ManualClock extends Clock {
    private Instant now = Instant.parse("2025-01-01T00:00:00Z");

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }
  }

  private static ProviderOffer offer(Address provider, long price) {
    return new ProviderOffer(provider, URI.create("http://127.0.0.1:1"), TokenAmount.of(price));
  }

  private static List<Address> order(ProviderRanking ranking, List<ProviderOffer> offers) {
    return ranking.rank(offers).stream().map(ProviderOffer::provider).toList();
  }

  @Test
  void theCheapestComesFirstWhateverItsLatency() {
    ProviderRanking ranking = new ProviderRanking(new ManualClock(), Duration.ofSeconds(30));
    ranking.succeeded(A, Duration.ofMillis(900));
    ranking.succeeded(B, Duration.ofMillis(5));
    assertThat(order(ranking, List.of(offer(B, 20), offer(A, 10)))).containsExactly(A, B);
  }

  @Test
  void atOnePriceAnUnmeasuredProviderIsTriedThenTheFastestWins() {
    ProviderRanking ranking = new ProviderRanking(new ManualClock(), Duration.ofSeconds(30));
    List<ProviderOffer> offers = List.of(offer(A, 10), offer(B, 10), offer(C, 10));
    ranking.succeeded(A, Duration.ofMillis(50));
    ranking.succeeded(B, Duration.ofMillis(20));
    assertThat(order(ranking, offers).get(0)).as("C never measured").isEqualTo(C);
    ranking.succeeded(C, Duration.ofMillis(80));
    assertThat(order(ranking, offers)).containsExactly(B, A, C);
    for (int i = 0; i < 10; i++) {
      ranking.succeeded(B, Duration.ofMillis(200)); // B slows down: the average follows
    }
    assertThat(order(ranking, offers)).containsExactly(A, C, B);
    assertThat(ranking.latencyOf(B).orElseThrow()).isGreaterThan(Duration.ofMillis(150));
  }

  @Test
  void aFailedProviderWaitsBehindTheHealthyOnesUntilItsCooldownEnds() {
    ManualClock clock = new ManualClock();
    ProviderRanking ranking = new ProviderRanking(clock, Duration.ofSeconds(30));
    List<ProviderOffer> offers = List.of(offer(A, 10), offer(B, 20));
    ranking.failed(A);
    assertThat(order(ranking, offers)).containsExactly(B, A);
    clock.advance(Duration.ofSeconds(31));
    assertThat(order(ranking, offers)).containsExactly(A, B);
    ranking.failed(A);
    ranking.succeeded(A, Duration.ofMillis(1));
    assertThat(order(ranking, offers)).as("a success ends the cooldown").containsExactly(A, B);
  }

  private static AvailabilityView.Standing standing(int uptimeBps, int canaryBps) {
    return new AvailabilityView.Standing(
        7, true, new io.verinfer.protocol.oracle.Figures(uptimeBps, 10, canaryBps));
  }

  @Test
  void aProviderTheOracleMarksDownIsTriedLastEvenWhenCheapest() {
    ProviderRanking ranking = new ProviderRanking(new ManualClock(), Duration.ofSeconds(30));
    var standings =
        java.util.Map.of(
            A, standing(0, 0), B, standing(10_000, 10_000), C, standing(10_000, 4_000));
    List<Address> ranked =
        ranking.rank(List.of(offer(A, 1), offer(B, 50), offer(C, 10)), standings).stream()
            .map(ProviderOffer::provider)
            .toList();
    // A: no uptime; C: fails 60 % of canaries: both down, A still cheaper than C among the down
    assertThat(ranked).containsExactly(B, A, C);
  }

  @Test
  void reputationWeighsAgainstPriceAndAStaleStatusCountsForNothing() {
    ProviderRanking ranking = new ProviderRanking(new ManualClock(), Duration.ofSeconds(30), 1.0);
    // B at reputation 0.64 competes as if it charged 10 × 1.36 = 13.6 > 12
    var standings = java.util.Map.of(B, standing(8_000, 8_000));
    List<ProviderOffer> offers = List.of(offer(A, 12), offer(B, 10));
    assertThat(ranking.rank(offers, standings).get(0).provider()).isEqualTo(A);
    var stale =
        java.util.Map.of(
            B,
            new AvailabilityView.Standing(
                1, false, new io.verinfer.protocol.oracle.Figures(0, 10, 0)));
    assertThat(ranking.rank(offers, stale).get(0).provider()).isEqualTo(B);
    assertThat(
            new ProviderRanking(new ManualClock(), Duration.ofSeconds(30), 0.0)
                .rank(offers, standings)
                .get(0)
                .provider())
        .as("weight 0: price alone")
        .isEqualTo(B);
  }
}
