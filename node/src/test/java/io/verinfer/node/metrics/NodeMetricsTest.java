package io.verinfer.node.metrics;

import static io.verinfer.node.metrics.PrometheusText.parse;
import static io.verinfer.node.metrics.PrometheusText.series;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.protocol.ErrorCode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The node's registry and its text exposition, without HTTP (ProviderNodeIT scrapes a node). */
class NodeMetricsTest {
  private static final String INFER = "/v2/models/{id}/infer";

  @Test
  void theExpositionIsTextFormat004() {
    NodeMetrics metrics = NodeMetrics.withoutJvm();
    metrics.http().record(INFER, "POST", 200, 0.003, false, null);

    assertThat(metrics.contentType()).startsWith("text/plain; version=0.0.4");
    String text = metrics.scrape();
    assertThat(text)
        .contains(
            "# HELP verinfer_http_requests_total HTTP requests answered, by route template,"
                + " method and status\n")
        .contains(
            "verinfer_http_requests_total{method=\"POST\",route=\"/v2/models/{id}/infer\","
                + "status=\"200\"} 1.0\n")
        .contains(
            "verinfer_http_request_duration_seconds_bucket{method=\"POST\","
                + "route=\"/v2/models/{id}/infer\",le=\"0.0025\"} 0\n")
        .contains(
            "verinfer_http_request_duration_seconds_bucket{method=\"POST\","
                + "route=\"/v2/models/{id}/infer\",le=\"0.005\"} 1\n")
        .doesNotContain("_created");
    assertThat(parse(text)).containsEntry("verinfer_paid_calls_total", 0.0);
  }

  @Test
  void everyRefusalCodeIsASeriesFromTheStart() {
    Map<String, Double> scrape = parse(NodeMetrics.withoutJvm().scrape());
    for (ErrorCode code : ErrorCode.values()) {
      assertThat(scrape).containsEntry(series("verinfer_refusals_total", "code", code.name()), 0.0);
    }
  }

  @Test
  void onlyA200WithAReceiptIsAPaidCall() {
    NodeMetrics metrics = NodeMetrics.withoutJvm();
    HttpMetrics http = metrics.http();
    http.record(INFER, "POST", 200, 0.01, true, null);
    http.record("/v1/embeddings", "POST", 200, 0.01, true, null);
    http.record(INFER, "POST", 200, 0.01, false, null); // unpaid (devnet) answer
    http.record(INFER, "POST", 402, 0.01, false, ErrorCode.VOUCHER_BELOW_PRICE);
    http.record(INFER, "POST", 500, 0.01, true, ErrorCode.INTERNAL); // cannot happen; not paid

    Map<String, Double> scrape = parse(metrics.scrape());
    assertThat(scrape).containsEntry("verinfer_paid_calls_total", 2.0);
    assertThat(scrape)
        .containsEntry(series("verinfer_refusals_total", "code", "VOUCHER_BELOW_PRICE"), 1.0)
        .containsEntry(series("verinfer_refusals_total", "code", "INTERNAL"), 1.0)
        .containsEntry(
            series(
                "verinfer_http_requests_total", "route", INFER, "method", "POST", "status", "200"),
            2.0);
  }

  @Test
  void componentsAddFiguresReadAtScrapeTime() {
    NodeMetrics metrics = NodeMetrics.withoutJvm();
    AtomicLong pending = new AtomicLong(3);
    AtomicLong settled = new AtomicLong(10);
    NodeMetrics.Counter batches =
        metrics.counter("verinfer_settlement_batches_total", "redeemBatch runs mined");
    metrics.gauge("verinfer_ledger_pending_lanes", "lanes not yet redeemed", pending::get);
    metrics.counter("verinfer_ledger_calls", "calls stored", settled::get);

    batches.inc();
    batches.inc(2);
    pending.set(5);
    settled.addAndGet(7);
    Map<String, Double> scrape = parse(metrics.scrape());
    assertThat(scrape)
        .containsEntry("verinfer_settlement_batches_total", 3.0)
        .containsEntry("verinfer_ledger_pending_lanes", 5.0)
        .containsEntry("verinfer_ledger_calls_total", 17.0);
    assertThat(batches.value()).isEqualTo(3.0);
    assertThatThrownBy(() -> batches.inc(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aLabelledCounterServesEveryDeclaredValueFromZeroAndRefusesOthers() {
    NodeMetrics metrics = NodeMetrics.withoutJvm();
    NodeMetrics.LabelledCounter votes =
        metrics.counter(
            "verinfer_dispute_votes_total", "votes", "vote", List.of("guilty", "innocent"));
    assertThat(parse(metrics.scrape()))
        .containsEntry(series("verinfer_dispute_votes_total", "vote", "guilty"), 0.0)
        .containsEntry(series("verinfer_dispute_votes_total", "vote", "innocent"), 0.0);

    votes.inc("guilty");
    votes.inc("guilty");
    assertThat(parse(metrics.scrape()))
        .containsEntry(series("verinfer_dispute_votes_total", "vote", "guilty"), 2.0)
        .containsEntry(series("verinfer_dispute_votes_total", "vote", "innocent"), 0.0);
    assertThat(votes.value("guilty")).isEqualTo(2.0);
    assertThatThrownBy(() -> votes.inc("maybe"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("vote=\"maybe\"");
    assertThatThrownBy(() -> metrics.counter("verinfer_y_total", "y", "vote", List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aFigureThatCannotBeReadIsLeftOutAndTheRestIsServed() {
    NodeMetrics metrics = NodeMetrics.withoutJvm();
    metrics.gauge(
        "verinfer_broken",
        "throws",
        () -> {
          throw new IllegalStateException("ledger closed");
        });
    metrics.gauge("verinfer_fine", "works", () -> 1);

    Map<String, Double> scrape = parse(metrics.scrape());
    assertThat(scrape).containsEntry("verinfer_fine", 1.0).doesNotContainKey("verinfer_broken");
  }

  @Test
  void badNamesAndTakenNamesAreRefused() {
    NodeMetrics metrics = NodeMetrics.withoutJvm();
    assertThatThrownBy(() -> metrics.gauge("verinfer-ledger", "dash", () -> 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'verinfer-ledger'");
    assertThatThrownBy(() -> metrics.counter("9lives", "digit first"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> metrics.counter("verinfer_x_total", " "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("help");
    assertThatThrownBy(() -> metrics.counter("verinfer_refusals_total", "again"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void jvmFiguresComeWithTheDefaultRegistryAndParse() {
    Map<String, Double> scrape = parse(NodeMetrics.create().scrape());
    assertThat(scrape.keySet()).anyMatch(k -> k.startsWith("jvm_memory_used_bytes{"));
    assertThat(scrape).containsKey("verinfer_paid_calls_total");
  }

  record Call(String route, String method, int status, double seconds, boolean receipt) {}

  /** Whatever was recorded, a scrape parses and adds up to an independent tally. */
  @Property(tries = 200)
  void aScrapeAddsUpToWhatWasRecorded(@ForAll("calls") List<Call> calls) {
    NodeMetrics metrics = NodeMetrics.withoutJvm();
    Map<String, Double> requests = new HashMap<>();
    Map<String, Double> counts = new HashMap<>();
    Map<String, Double> fast = new HashMap<>();
    Map<String, Double> refusals = new HashMap<>();
    double paid = 0;
    for (Call c : calls) {
      ErrorCode refusal =
          c.status() >= 400
              ? List.of(ErrorCode.values()).stream()
                  .filter(e -> e.httpStatus() == c.status())
                  .findFirst()
                  .orElse(ErrorCode.INTERNAL)
              : null;
      metrics.http().record(c.route(), c.method(), c.status(), c.seconds(), c.receipt(), refusal);
      requests.merge(
          series(
              "verinfer_http_requests_total",
              "route",
              c.route(),
              "method",
              c.method(),
              "status",
              Integer.toString(c.status())),
          1.0,
          Double::sum);
      String histogram = "route=\"" + c.route() + "\",method=\"" + c.method() + "\"";
      counts.merge(histogram, 1.0, Double::sum);
      fast.merge(histogram, c.seconds() <= 0.01 ? 1.0 : 0.0, Double::sum);
      if (refusal != null) {
        refusals.merge(series("verinfer_refusals_total", "code", refusal.name()), 1.0, Double::sum);
      }
      paid += c.receipt() && c.status() == 200 ? 1 : 0;
    }

    Map<String, Double> scrape = parse(metrics.scrape());
    requests.forEach((k, v) -> assertThat(scrape).containsEntry(k, v));
    assertThat(scrape.keySet().stream().filter(k -> k.startsWith("verinfer_http_requests_total")))
        .hasSize(requests.size());
    refusals.forEach((k, v) -> assertThat(scrape).containsEntry(k, v));
    assertThat(scrape).containsEntry("verinfer_paid_calls_total", paid);
    for (Call c : calls) {
      String[] labels = {"route", c.route(), "method", c.method()};
      String histogram = "route=\"" + c.route() + "\",method=\"" + c.method() + "\"";
      assertThat(scrape)
          .containsEntry(
              series("verinfer_http_request_duration_seconds_count", labels), counts.get(histogram))
          .containsEntry(
              series(
                  "verinfer_http_request_duration_seconds_bucket",
                  "route",
                  c.route(),
                  "method",
                  c.method(),
                  "le",
                  "+Inf"),
              counts.get(histogram))
          .containsEntry(
              series(
                  "verinfer_http_request_duration_seconds_bucket",
                  "route",
                  c.route(),
                  "method",
                  c.method(),
                  "le",
                  "0.01"),
              fast.get(histogram));
    }
  }

  @Provide
  Arbitrary<List<Call>> calls() {
    Arbitrary<Call> call =
        Combinators.combine(
                Arbitraries.of(
                    INFER, "/v1/embeddings", "/ipfs/{cid}", "/health", HttpMetrics.UNMATCHED),
                Arbitraries.of("GET", "POST", "HEAD"),
                Arbitraries.of(200, 400, 402, 403, 404, 409, 413, 500, 503),
                Arbitraries.doubles().between(0, 20),
                Arbitraries.of(true, false))
            .as(Call::new);
    return call.list().ofMaxSize(40);
  }
}
