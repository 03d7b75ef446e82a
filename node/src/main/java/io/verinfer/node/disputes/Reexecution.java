package io.verinfer.node.disputes;

import io.verinfer.protocol.Tensor;
import java.util.List;
import java.util.Objects;

/** What re-running a disputed call on this node gave. */
public sealed interface Reexecution {
  /** The model answered: each accused output is compared with these. */
  record Answered(List<Tensor> outputs) implements Reexecution {
    public Answered {
      outputs = List.copyOf(outputs);
    }
  }

  /**
   * A text model re-ran a committed {@code TextRequest} to its end: a claimed {@code TextOutput}
   * agrees when its tokens are the first tokens of this run and a claimed end is this run's end.
   */
  record Generated(io.verinfer.protocol.text.TextOutput run) implements Reexecution {
    public Generated {
      Objects.requireNonNull(run, "run");
    }
  }

  /**
   * The call's output is exact bytes (a contract's text completion, greedy): a claimed output
   * agrees only when it is these bytes.
   */
  record Exact(byte[] output) implements Reexecution {
    public Exact {
      output = output.clone();
    }

    @Override
    public byte[] output() {
      return output.clone();
    }
  }

  /**
   * The model refuses this input (it is not a canonical tensor set or a JSON array of texts, or the
   * model's schema rejects it): an honest node answers it with a 4xx and signs no receipt, so no
   * signed output for it can be right.
   */
  record Refused(String reason) implements Reexecution {
    public Refused {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * This node cannot judge: it does not serve the model ({@code retry} false), or its runtime
   * failed in a way another try may not repeat ({@code retry} true). It then casts no vote.
   */
  record CannotJudge(String reason, boolean retry) implements Reexecution {
    public CannotJudge {
      Objects.requireNonNull(reason, "reason");
    }
  }
}
