package io.verinfer.protocol.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.text.TextOutput.End;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class TextCommitmentsTest {

  @Provide
  Arbitrary<TextRequest> requests() {
    Arbitrary<int[]> prompt =
        Arbitraries.integers().between(0, 50_000).array(int[].class).ofMinSize(1).ofMaxSize(40);
    Arbitrary<Double> temperature = Arbitraries.doubles().between(0, 2);
    Arbitrary<Double> topP = Arbitraries.doubles().between(0.01, 1);
    Arbitrary<Long> seed = Arbitraries.longs();
    Arbitrary<Integer> maxTokens = Arbitraries.integers().between(1, 4096);
    Arbitrary<List<String>> stop =
        Arbitraries.strings().ofMinLength(1).ofMaxLength(8).list().ofMaxSize(4);
    return Combinators.combine(prompt, temperature, topP, seed, maxTokens, stop)
        .as(TextRequest::new);
  }

  @Provide
  Arbitrary<TextOutput> outputs() {
    return Combinators.combine(
            Arbitraries.of(End.class),
            Arbitraries.integers().between(0, 50_000).array(int[].class).ofMaxSize(60))
        .as(TextOutput::new);
  }

  @Property
  void aRequestDecodesToItself(@ForAll("requests") TextRequest request) {
    byte[] bytes = request.encode();
    assertThat(TextRequest.decode(bytes)).isEqualTo(request);
    assertThat(TextRequest.decode(bytes).hash()).isEqualTo(request.hash());
  }

  @Property
  void aMutatedRequestIsRefusedOrNamesAnotherRequest(
      @ForAll("requests") TextRequest request, @ForAll int position, @ForAll byte flip) {
    byte[] bytes = request.encode();
    int i = Math.floorMod(position, bytes.length);
    byte[] mutated = bytes.clone();
    mutated[i] ^= flip == 0 ? 1 : flip;
    try {
      TextRequest other = TextRequest.decode(mutated);
      assertThat(other.hash()).isNotEqualTo(request.hash());
      assertThat(other.encode()).isEqualTo(mutated);
    } catch (IllegalArgumentException refused) {
      assertThat(refused.getMessage()).startsWith("text request");
    }
  }

  @Property
  void truncatedOrExtendedRequestsAreRefused(
      @ForAll("requests") TextRequest request, @ForAll int cut) {
    byte[] bytes = request.encode();
    int keep = Math.floorMod(cut, bytes.length);
    assertThatThrownBy(() -> TextRequest.decode(Arrays.copyOf(bytes, keep)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TextRequest.decode(Arrays.copyOf(bytes, bytes.length + 1)))
        .hasMessageContaining("trailing");
  }

  @Property
  void anOutputDecodesToItself(@ForAll("outputs") TextOutput output) {
    assertThat(TextOutput.decode(output.encode())).isEqualTo(output);
  }

  @Property
  void aMutatedOutputIsRefusedOrHashesDifferently(
      @ForAll("outputs") TextOutput output, @ForAll int position) {
    byte[] mutated = output.encode();
    mutated[Math.floorMod(position, mutated.length)] ^= 0x5a;
    try {
      assertThat(TextOutput.decode(mutated).hash()).isNotEqualTo(output.hash());
    } catch (IllegalArgumentException refused) {
      assertThat(refused.getMessage()).startsWith("text output");
    }
  }

  @Property
  void aPrefixOfAnHonestRunAgreesAndAnyChangedTokenIsFoundWhereItIs(
      @ForAll("outputs") TextOutput run, @ForAll int cut, @ForAll int at) {
    int[] tokens = run.tokens();
    int n = tokens.length == 0 ? 0 : Math.floorMod(cut, tokens.length + 1);
    TextOutput checkpoint = new TextOutput(End.RUNNING, Arrays.copyOf(tokens, n));
    assertThat(checkpoint.agreesWith(tokens, End.STOP)).isTrue();
    assertThat(checkpoint.firstDifference(tokens)).isEqualTo(-1);
    if (n > 0) {
      int[] wrong = Arrays.copyOf(tokens, n);
      int i = Math.floorMod(at, n);
      wrong[i] = wrong[i] + 1;
      TextOutput lie = new TextOutput(End.RUNNING, wrong);
      assertThat(lie.agreesWith(tokens, End.STOP)).isFalse();
      assertThat(lie.firstDifference(tokens)).isEqualTo(i);
    }
  }

  @Test
  void aFinalOutputMustEndWhereTheRerunEnds() {
    int[] rerun = {5, 6, 7};
    assertThat(new TextOutput(End.STOP, rerun).agreesWith(rerun, End.STOP)).isTrue();
    // truncated and claimed finished: provable
    assertThat(new TextOutput(End.STOP, new int[] {5, 6}).agreesWith(rerun, End.STOP)).isFalse();
    assertThat(new TextOutput(End.LENGTH, rerun).agreesWith(rerun, End.STOP)).isFalse();
    // claims more than the re-run produced
    assertThat(new TextOutput(End.RUNNING, new int[] {5, 6, 7, 8}).agreesWith(rerun, End.STOP))
        .isFalse();
    assertThat(new TextOutput(End.RUNNING, new int[] {5, 6, 7, 8}).firstDifference(rerun))
        .isEqualTo(3);
    // a cancelled stream commits to its prefix only
    assertThat(new TextOutput(End.CANCELLED, new int[] {5}).agreesWith(rerun, End.STOP)).isTrue();
  }

  @Test
  void badRequestsNameTheirField() {
    assertThatThrownBy(() -> new TextRequest(new int[0], 0, 1, 0, 5, List.of()))
        .hasMessageContaining("promptTokens");
    assertThatThrownBy(() -> new TextRequest(new int[] {1}, 2.5, 1, 0, 5, List.of()))
        .hasMessageContaining("temperature");
    assertThatThrownBy(() -> new TextRequest(new int[] {1}, 0, 0, 0, 5, List.of()))
        .hasMessageContaining("topP");
    assertThatThrownBy(() -> new TextRequest(new int[] {1}, 0, 1, 0, 0, List.of()))
        .hasMessageContaining("maxTokens");
    assertThatThrownBy(() -> new TextRequest(new int[] {1}, 0, 1, 0, 5, List.of("")))
        .hasMessageContaining("stop");
  }

  @Property
  void costIsExactAndAdditive(
      @ForAll("counts") long promptTokens,
      @ForAll("counts") long a,
      @ForAll("counts") long b,
      @ForAll("prices") long in,
      @ForAll("prices") long extra) {
    TextPrice price = new TextPrice(TokenAmount.of(in), TokenAmount.of(in + extra + 1));
    assertThat(price.cost(promptTokens, a).plus(price.cost(0, b)))
        .isEqualTo(price.cost(promptTokens, a + b));
    assertThat(price.cost(promptTokens, a).baseUnits())
        .isEqualTo(
            java.math.BigInteger.valueOf(in)
                .multiply(java.math.BigInteger.valueOf(promptTokens))
                .add(
                    java.math.BigInteger.valueOf(in + extra + 1)
                        .multiply(java.math.BigInteger.valueOf(a))));
  }

  @Provide
  Arbitrary<Long> counts() {
    return Arbitraries.longs().between(0, 1_000_000);
  }

  @Provide
  Arbitrary<Long> prices() {
    return Arbitraries.longs().between(0, 1_000_000_000_000L);
  }

  @Test
  void anInputPriceAboveTheOutputPriceIsRefused() {
    assertThatThrownBy(() -> new TextPrice(TokenAmount.of(3), TokenAmount.of(2)))
        .hasMessageContaining("input token price");
  }
}
