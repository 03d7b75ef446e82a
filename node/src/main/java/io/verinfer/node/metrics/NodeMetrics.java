package io.verinfer.node.metrics;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.function.DoubleConsumer;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's metrics, served by {@code GET /metrics} in the Prometheus text exposition format
 * 0.0.4. The HTTP layer records requests, refusals and paid calls through {@link #http()}; other
 * parts of the node (engine, settlement, ledger) add their own figures with {@link #gauge}, {@link
 * #counter(String, String)} or {@link #counter(String, String, DoubleSupplier)}. Backed by the
 * official Prometheus Java client; each node has its own registry, so several nodes in one JVM do
 * not mix their figures. Safe for concurrent use.
 */
public final class NodeMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(NodeMetrics.class);
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final HttpMetrics http;

  private NodeMetrics(boolean jvm) {
    this.http = new HttpMetrics(registry);
    if (jvm) {
      JvmMetrics.builder().register(registry);
    }
  }

  /** HTTP, refusal and paid-call figures, plus the JVM's (memory, GC, threads, process). */
  public static NodeMetrics create() {
    return new NodeMetrics(true);
  }

  /** The node's own figures only: for tests that read whole scrapes. */
  public static NodeMetrics withoutJvm() {
    return new NodeMetrics(false);
  }

  /** What the HTTP layer records into. */
  public HttpMetrics http() {
    return http;
  }

  /**
   * A counter the caller increments, e.g. {@code counter("verinfer_settlements_total", "…")}. The
   * exposed name ends in {@code _total} whether or not {@code name} does.
   *
   * @throws IllegalArgumentException when the name is not a Prometheus metric name or is taken
   */
  public Counter counter(String name, String help) {
    return new Counter(
        io.prometheus.metrics.core.metrics.Counter.builder()
            .name(checkName(name))
            .help(checkHelp(name, help))
            .withoutExemplars()
            .register(registry));
  }

  /**
   * A counter with one label whose values are known up front, e.g. {@code
   * counter("verinfer_dispute_votes_total", "…", "vote", List.of("guilty", "innocent"))}. Every
   * value is a series from 0, so a first increment is a rise {@code rate()} sees; other values are
   * refused (labels stay bounded).
   *
   * @throws IllegalArgumentException when a name is not a Prometheus name, a name is taken, or
   *     {@code values} is empty
   */
  public LabelledCounter counter(String name, String help, String label, List<String> values) {
    if (values.isEmpty()) {
      throw new IllegalArgumentException("metric " + name + " needs at least one label value");
    }
    var counter =
        io.prometheus.metrics.core.metrics.Counter.builder()
            .name(checkName(name))
            .help(checkHelp(name, help))
            .labelNames(checkName(label))
            .withoutExemplars()
            .register(registry);
    for (String value : values) {
      counter.labelValues(value);
    }
    return new LabelledCounter(counter, label, Set.copyOf(values));
  }

  /**
   * A counter read at scrape time from a running total the caller keeps (it must never go down). A
   * supplier that throws leaves the figure out of that scrape rather than failing it.
   */
  public void counter(String name, String help, DoubleSupplier total) {
    CounterWithCallback.builder()
        .name(checkName(name))
        .help(checkHelp(name, help))
        .callback(callback -> read(name, total, v -> callback.call(v)))
        .register(registry);
  }

  /**
   * A gauge read at scrape time, e.g. {@code gauge("verinfer_ledger_unredeemed_lanes", "…",
   * ledger::unredeemedCount)}. A supplier that throws leaves the figure out of that scrape rather
   * than failing it.
   */
  public void gauge(String name, String help, DoubleSupplier value) {
    GaugeWithCallback.builder()
        .name(checkName(name))
        .help(checkHelp(name, help))
        .callback(callback -> read(name, value, v -> callback.call(v)))
        .register(registry);
  }

  /**
   * A histogram in seconds with the given classic bucket upper bounds, e.g. {@code
   * histogram("verinfer_text_time_to_first_token_seconds", "…", 0.01, 0.1, 1)}.
   *
   * @throws IllegalArgumentException when the name is not a Prometheus name or is taken
   */
  public Histogram histogram(String name, String help, double... upperBounds) {
    return new Histogram(
        io.prometheus.metrics.core.metrics.Histogram.builder()
            .name(checkName(name))
            .help(checkHelp(name, help))
            .unit(io.prometheus.metrics.model.snapshots.Unit.SECONDS)
            .classicOnly()
            .classicUpperBounds(upperBounds)
            .withoutExemplars()
            .register(registry));
  }

  /** Observations of a duration, from {@link #histogram}. */
  public static final class Histogram {
    private final io.prometheus.metrics.core.metrics.Histogram delegate;

    private Histogram(io.prometheus.metrics.core.metrics.Histogram delegate) {
      this.delegate = delegate;
    }

    public void observe(double seconds) {
      delegate.observe(seconds);
    }

    /** How many observations were made. */
    public long count() {
      return delegate.collect().getDataPoints().get(0).getCount();
    }
  }

  /** The media type of {@link #writeTo}: {@code text/plain; version=0.0.4; charset=utf-8}. */
  public String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }

  /** Writes every figure, read now, in the text exposition format 0.0.4. */
  public void writeTo(OutputStream out) throws IOException {
    writer.write(out, registry.scrape());
  }

  /** {@link #writeTo} as a string. */
  public String scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** One figure a caller increments. */
  public static final class Counter {
    private final io.prometheus.metrics.core.metrics.Counter delegate;

    private Counter(io.prometheus.metrics.core.metrics.Counter delegate) {
      this.delegate = delegate;
    }

    public void inc() {
      delegate.inc();
    }

    /**
     * @throws IllegalArgumentException when {@code amount} is negative
     */
    public void inc(double amount) {
      delegate.inc(amount);
    }

    public double value() {
      return delegate.get();
    }
  }

  /** A counter with one bounded label, from {@link #counter(String, String, String, List)}. */
  public static final class LabelledCounter {
    private final io.prometheus.metrics.core.metrics.Counter delegate;
    private final String label;
    private final Set<String> values;

    private LabelledCounter(
        io.prometheus.metrics.core.metrics.Counter delegate, String label, Set<String> values) {
      this.delegate = delegate;
      this.label = label;
      this.values = values;
    }

    /**
     * @throws IllegalArgumentException for a label value not declared up front
     */
    public void inc(String value) {
      delegate.labelValues(check(value)).inc();
    }

    /**
     * @throws IllegalArgumentException for an undeclared value or a negative amount
     */
    public void inc(String value, double amount) {
      delegate.labelValues(check(value)).inc(amount);
    }

    public double value(String value) {
      return delegate.labelValues(check(value)).get();
    }

    private String check(String value) {
      if (!values.contains(value)) {
        throw new IllegalArgumentException(
            label + "=\"" + value + "\" is not one of the declared values " + values);
      }
      return value;
    }
  }

  // A scrape reads every component; one that fails (e.g. closed during shutdown) must not hide
  // the others' figures.
  private static void read(String name, DoubleSupplier source, DoubleConsumer sink) {
    double value;
    try {
      value = source.getAsDouble();
    } catch (RuntimeException e) {
      LOG.warn("metric {} could not be read; left out of this scrape", name, e);
      return;
    }
    sink.accept(value);
  }

  static String checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "metric name must match [a-zA-Z_:][a-zA-Z0-9_:]*, was '" + name + "'");
    }
    return name;
  }

  private static String checkHelp(String name, String help) {
    if (help == null || help.isBlank()) {
      throw new IllegalArgumentException("metric " + name + " needs a help text");
    }
    return help;
  }
}
