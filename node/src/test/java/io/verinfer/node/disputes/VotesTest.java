package io.verinfer.node.disputes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.Tensor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** A member's vote from its re-execution and the claimed outputs, at the model's tolerance. */
class VotesTest {
  private static final long TOLERANCE_PPM = 1_000; // 0.1 %

  private static List<Tensor> scores(float... values) {
    return List.of(Tensor.ofFloats("scores", new long[] {1, values.length}, values));
  }

  private static byte[] claimed(float... values) {
    return CanonicalTensors.encode(scores(values));
  }

  private static Reexecution answered(float... values) {
    return new Reexecution.Answered(scores(values));
  }

  @Test
  void anOutputThatMatchesTheReexecutionIsInnocent() {
    assertThat(Votes.of(answered(0.25f, 0.75f), List.of(claimed(0.25f, 0.75f)), TOLERANCE_PPM))
        .isZero();
  }

  @Test
  void anOutputBeyondTheToleranceIsGuiltyAndOneWithinItIsNot() {
    // |a − b| ≤ tol · max(1, |a|, |b|): 0.001 · 1 around 0.5
    assertThat(Votes.of(answered(0.5f), List.of(claimed(0.5009f)), TOLERANCE_PPM)).isZero();
    assertThat(Votes.of(answered(0.5f), List.of(claimed(0.5011f)), TOLERANCE_PPM)).isEqualTo(1);
    // the same pair under a tighter tolerance
    assertThat(Votes.of(answered(0.5f), List.of(claimed(0.5009f)), 100)).isEqualTo(1);
  }

  @Test
  void twoConflictingOutputsAreJudgedEachOnItsOwnBit() {
    byte[] right = claimed(0.1f, 0.9f);
    byte[] wrong = claimed(0.9f, 0.1f);
    Reexecution mine = answered(0.1f, 0.9f);
    assertThat(Votes.of(mine, List.of(wrong, right), TOLERANCE_PPM)).isEqualTo(0b01);
    assertThat(Votes.of(mine, List.of(right, wrong), TOLERANCE_PPM)).isEqualTo(0b10);
    assertThat(Votes.of(mine, List.of(wrong, wrong), TOLERANCE_PPM)).isEqualTo(0b11);
    assertThat(Votes.guilty(0b10, 0)).isFalse();
    assertThat(Votes.guilty(0b10, 1)).isTrue();
  }

  @Test
  void anOutputOfAnotherShapeNameOrTypeIsGuilty() {
    Reexecution mine = answered(0.1f, 0.9f);
    byte[] otherShape =
        CanonicalTensors.encode(
            List.of(Tensor.ofFloats("scores", new long[] {2, 1}, new float[] {0.1f, 0.9f})));
    byte[] otherName =
        CanonicalTensors.encode(
            List.of(Tensor.ofFloats("probs", new long[] {1, 2}, new float[] {0.1f, 0.9f})));
    byte[] extraTensor =
        CanonicalTensors.encode(
            List.of(
                scores(0.1f, 0.9f).get(0),
                Tensor.ofLongs("label", new long[] {1}, new long[] {1})));
    for (byte[] claimed : List.of(otherShape, otherName, extraTensor)) {
      assertThat(Votes.of(mine, List.of(claimed), TOLERANCE_PPM)).isEqualTo(1);
    }
  }

  @Test
  void aClaimedOutputThatIsNotCanonicalTensorsAgreesWithNothing() {
    byte[] garbage = "not tensors".getBytes(StandardCharsets.UTF_8);
    byte[] trailing = java.util.Arrays.copyOf(claimed(0.5f), claimed(0.5f).length + 1);
    assertThat(Votes.of(answered(0.5f), List.of(garbage, claimed(0.5f)), 0)).isEqualTo(0b01);
    assertThat(Votes.of(answered(0.5f), List.of(trailing), TOLERANCE_PPM)).isEqualTo(1);
  }

  @Test
  void aRefusedInputMakesEveryAccusedGuilty() {
    Reexecution refused = new Reexecution.Refused("WRONG_SHAPE: features");
    assertThat(Votes.of(refused, List.of(claimed(0.5f)), TOLERANCE_PPM)).isEqualTo(0b1);
    assertThat(Votes.of(refused, List.of(claimed(0.5f), claimed(0.6f)), TOLERANCE_PPM))
        .isEqualTo(0b11);
  }

  @Test
  void withoutAJudgementOrWithABadCountThereIsNoVote() {
    assertThatThrownBy(
            () ->
                Votes.of(
                    new Reexecution.CannotJudge("not served", false),
                    List.of(claimed(0.5f)),
                    TOLERANCE_PPM))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not served");
    assertThatThrownBy(() -> Votes.of(answered(0.5f), List.of(), TOLERANCE_PPM))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                Votes.of(
                    answered(0.5f),
                    List.of(claimed(0.5f), claimed(0.5f), claimed(0.5f)),
                    TOLERANCE_PPM))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Property
  void theVoteIsExactlyTheComparatorsDisagreement(
      @ForAll @FloatRange(min = -10, max = 10) float mine,
      @ForAll @FloatRange(min = -10, max = 10) float theirs,
      @ForAll @IntRange(min = 0, max = 200_000) int tolerancePpm) {
    boolean agree =
        io.verinfer.protocol.OutputComparator.agree(scores(mine), scores(theirs), tolerancePpm);
    assertThat(Votes.of(answered(mine), List.of(claimed(theirs)), tolerancePpm))
        .isEqualTo(agree ? 0 : 1);
  }
}
