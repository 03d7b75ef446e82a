package io.verinfer.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.protocol.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VerificationTest {
  @Test
  void parsesTheThreeModesAndPrintsThemBack() {
    assertThat(Verification.parse("none")).isEqualTo(Verification.none());
    assertThat(Verification.parse(" Sampled( 0.1 ) ")).isEqualTo(Verification.sampled(0.1));
    assertThat(Verification.parse("redundant(3)")).isEqualTo(Verification.redundant(3));
    for (Verification v :
        List.of(Verification.none(), Verification.sampled(0.25), Verification.redundant(5))) {
      assertThat(Verification.parse(v.toString())).isEqualTo(v);
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "''|give a verification mode",
        "sometimes|is not a verification mode",
        "sampled(0)|0 < p <= 1",
        "sampled(1.5)|0 < p <= 1",
        "sampled(NaN)|is not a number",
        "sampled(x)|'x' is not a number",
        "redundant(1)|2 <= k <= 9",
        "redundant(10)|2 <= k <= 9",
        "redundant(2.5)|'2.5' is not a number",
      })
  void refusesWhatIsNotAMode(String text, String message) {
    assertThatThrownBy(() -> Verification.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void groupsAnswersByAgreementLargestFirst() {
    List<Tensor> a = List.of(Tensor.ofFloats("y", new long[] {1}, new float[] {0.5f}));
    List<Tensor> aNear = List.of(Tensor.ofFloats("y", new long[] {1}, new float[] {0.5001f}));
    List<Tensor> b = List.of(Tensor.ofFloats("y", new long[] {1}, new float[] {-1.5f}));
    var groups = Agreement.groups(List.of(b, a, aNear), 1_000); // 0.1%: a and aNear agree
    assertThat(groups).containsExactly(List.of(1, 2), List.of(0));
    assertThat(Agreement.hasMajority(groups, 3)).isTrue();
    var split = Agreement.groups(List.of(a, b), 1_000);
    assertThat(split).containsExactly(List.of(0), List.of(1));
    assertThat(Agreement.hasMajority(split, 2)).isFalse();
    assertThat(Agreement.groups(List.of(a, aNear), 0)).hasSize(2); // exact: they differ
  }
}
