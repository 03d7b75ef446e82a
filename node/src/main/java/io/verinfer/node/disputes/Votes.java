package io.verinfer.node.disputes;

import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.OutputComparator;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.text.TextOutput;
import java.util.List;

/**
 * A committee member's vote from its own re-execution: bit i set when accused i's claimed output
 * does not agree with it under {@link OutputComparator} at the model's tolerance (the
 * DisputeManager's rule). A claimed output that is not a canonical tensor encoding agrees with
 * nothing; when the model refuses the input, every bit is set. A text stream's claimed output (a
 * {@code TextOutput}) agrees when its tokens are the first tokens of the re-run and a claimed end
 * is the re-run's end; a contract's text completion must be the re-run's bytes exactly.
 */
public final class Votes {
  /** The contract judges at most this many accused in one dispute. */
  public static final int MAX_ACCUSED = 2;

  private Votes() {}

  /**
   * @param claimed accused i's claimed output bytes (canonical tensors), in the dispute's order
   * @throws IllegalArgumentException for {@link Reexecution.CannotJudge} (there is no vote), or a
   *     count of claimed outputs outside 1..{@value #MAX_ACCUSED}
   */
  public static int of(Reexecution reexecution, List<byte[]> claimed, long tolerancePpm) {
    if (claimed.isEmpty() || claimed.size() > MAX_ACCUSED) {
      throw new IllegalArgumentException(
          "a dispute has 1 to " + MAX_ACCUSED + " claimed outputs, got " + claimed.size());
    }
    int all = (1 << claimed.size()) - 1;
    return switch (reexecution) {
      case Reexecution.Refused refused -> all;
      case Reexecution.CannotJudge cannot ->
          throw new IllegalArgumentException("no vote without a judgement: " + cannot.reason());
      case Reexecution.Answered answered -> {
        int vote = 0;
        for (int i = 0; i < claimed.size(); i++) {
          if (!agrees(answered.outputs(), claimed.get(i), tolerancePpm)) {
            vote |= 1 << i;
          }
        }
        yield vote;
      }
      case Reexecution.Generated generated -> {
        int vote = 0;
        for (int i = 0; i < claimed.size(); i++) {
          if (!agrees(generated.run(), claimed.get(i))) {
            vote |= 1 << i;
          }
        }
        yield vote;
      }
      case Reexecution.Exact exact -> {
        int vote = 0;
        byte[] mine = exact.output();
        for (int i = 0; i < claimed.size(); i++) {
          if (!java.util.Arrays.equals(mine, claimed.get(i))) {
            vote |= 1 << i;
          }
        }
        yield vote;
      }
    };
  }

  private static boolean agrees(TextOutput mine, byte[] claimed) {
    TextOutput theirs;
    try {
      theirs = TextOutput.decode(claimed);
    } catch (IllegalArgumentException notAnOutput) {
      return false;
    }
    return theirs.agreesWith(mine.tokens(), mine.end());
  }

  private static boolean agrees(List<Tensor> mine, byte[] claimed, long tolerancePpm) {
    List<Tensor> theirs;
    try {
      theirs = CanonicalTensors.decode(claimed);
    } catch (IllegalArgumentException notCanonical) {
      return false;
    }
    return OutputComparator.agree(mine, theirs, tolerancePpm);
  }

  /** Whether accused {@code i} is marked wrong in {@code vote}. */
  public static boolean guilty(int vote, int i) {
    return (vote & (1 << i)) != 0;
  }
}
