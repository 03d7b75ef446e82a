package io.verinfer.node.api;

import io.javalin.http.Handler;
import io.verinfer.node.faults.OutputCorruptor;
import io.verinfer.node.metrics.TextMetrics;
import io.verinfer.node.payment.TextPaymentRules;

/**
 * {@code POST /v1/chat/completions} ({@code chat.completion}) and {@code POST /v1/completions}
 * ({@code text_completion}) in the OpenAI shapes, streamed as server-sent events with {@code
 * "stream": true}; on a paid node streams only, paid per token under {@link TextPaymentRules}. The
 * wire format is in docs/architecture.md, "Text wire format".
 */
public final class TextEndpoints {
  private final TextAnswering answering;

  /** A free (devnet) or refusing node: {@code rules} null; a paid node: its rules. */
  public TextEndpoints(
      TextCatalog catalog,
      boolean free,
      TextPaymentRules rules,
      OutputCorruptor faults,
      TextMetrics metrics) {
    this.answering =
        new TextAnswering(
            catalog,
            rules != null
                ? TextAnswering.Mode.PAID
                : free ? TextAnswering.Mode.FREE : TextAnswering.Mode.REFUSE,
            rules,
            faults,
            metrics);
  }

  /** {@code POST /v1/chat/completions}. */
  public Handler chat() {
    return ctx -> answering.handle(ctx, TextAnswering.Shape.CHAT);
  }

  /** {@code POST /v1/completions}. */
  public Handler completions() {
    return ctx -> answering.handle(ctx, TextAnswering.Shape.COMPLETION);
  }
}
