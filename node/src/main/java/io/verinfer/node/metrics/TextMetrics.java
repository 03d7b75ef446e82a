package io.verinfer.node.metrics;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Text generation's figures: tokens by kind ({@code verinfer_text_tokens_total{kind="prompt|
 * completion"}}), the streams open now ({@code verinfer_text_streams_open}) and the time from a
 * request to its first token's chunk ({@code verinfer_text_time_to_first_token_seconds}).
 */
public final class TextMetrics {
  private static final double[] TTFT_SECONDS = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30
  };

  private final NodeMetrics.LabelledCounter tokens;
  private final AtomicInteger open = new AtomicInteger();
  private final NodeMetrics.Histogram firstToken;

  public TextMetrics(NodeMetrics metrics) {
    this.tokens =
        metrics.counter(
            "verinfer_text_tokens_total",
            "Text tokens processed: prompt tokens prefilled and completion tokens generated",
            "kind",
            List.of("prompt", "completion"));
    metrics.gauge(
        "verinfer_text_streams_open", "Text generations (streams) running now", open::get);
    this.firstToken =
        metrics.histogram(
            "verinfer_text_time_to_first_token_seconds",
            "Time from a text request to its first token's chunk",
            TTFT_SECONDS);
  }

  public void promptTokens(int n) {
    tokens.inc("prompt", n);
  }

  public void completionTokens(int n) {
    tokens.inc("completion", n);
  }

  public void opened() {
    open.incrementAndGet();
  }

  public void closed() {
    open.decrementAndGet();
  }

  public void firstToken(double seconds) {
    firstToken.observe(seconds);
  }
}
