package io.verinfer.runtime.textgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/** The holdback logic alone: what may be released while a completion grows. */
class StreamedTextTest {

  /** Feeds growing prefixes of {@code text} and returns each release. */
  private static List<StreamedText.Release> feed(StreamedText s, String... prefixes) {
    List<StreamedText.Release> out = new ArrayList<>();
    for (String p : prefixes) {
      out.add(s.advance(p));
    }
    return out;
  }

  @Test
  void withoutStopsEverythingStableIsReleasedAtOnce() {
    StreamedText s = new StreamedText(List.of());
    assertThat(feed(s, "he", "hello", "hello w"))
        .extracting(StreamedText.Release::text)
        .containsExactly("he", "llo", " w");
    assertThat(s.text()).isEqualTo("hello w");
  }

  @Test
  void aTailThatMayStartAStopSequenceIsHeldBack() {
    StreamedText s = new StreamedText(List.of("END"));
    assertThat(s.advance("ok E").text()).isEqualTo("ok ");
    assertThat(s.advance("ok EN").text()).isEmpty();
    // the held back "EN" turns out not to be a stop: released with what follows
    StreamedText.Release r = s.advance("ok ENd");
    assertThat(r.text()).isEqualTo("ENd");
    assertThat(r.stopped()).isFalse();
  }

  @Test
  void aCompletedStopSequenceCutsTheTextBeforeIt() {
    StreamedText s = new StreamedText(List.of("\n\n", "END"));
    assertThat(s.advance("one E").text()).isEqualTo("one ");
    StreamedText.Release r = s.advance("one ENDtwo");
    assertThat(r.stopped()).isTrue();
    assertThat(r.text()).isEmpty();
    assertThat(s.text()).isEqualTo("one ");
    assertThat(s.advance("one ENDtwo three").text()).isEmpty();
  }

  @Test
  void theEarliestOfSeveralStopSequencesWins() {
    StreamedText s = new StreamedText(List.of("cd", "b"));
    StreamedText.Release r = s.advance("abcd");
    assertThat(r.stopped()).isTrue();
    assertThat(s.text()).isEqualTo("a");
  }

  @Test
  void aStopSequenceSpanningTokensIsFound() {
    StreamedText s = new StreamedText(List.of("stop"));
    assertThat(feed(s, "x s", "x st", "x sto"))
        .extracting(StreamedText.Release::text)
        .containsExactly("x ", "", "");
    assertThat(s.advance("x stop").stopped()).isTrue();
    assertThat(s.text()).isEqualTo("x ");
  }

  @Test
  void anIncompleteUtf8CharacterIsHeldBackUntilComplete() {
    StreamedText s = new StreamedText(List.of());
    // a byte-level token ended inside "é": the decoder gives U+FFFD for the lone byte
    assertThat(s.advance("caf\uFFFD").text()).isEqualTo("caf");
    assertThat(s.advance("café").text()).isEqualTo("é");
    // an invalid byte that stays invalid is released once text follows it
    assertThat(s.advance("café\uFFFD").text()).isEmpty();
    assertThat(s.advance("café\uFFFD!").text()).isEqualTo("\uFFFD!");
  }

  @Test
  void finishReleasesWhatWasHeldBack() {
    StreamedText s = new StreamedText(List.of("END"));
    assertThat(s.advance("ok EN").text()).isEqualTo("ok ");
    StreamedText.Release r = s.finish("ok EN\uFFFD");
    assertThat(r.text()).isEqualTo("EN\uFFFD");
    assertThat(r.stopped()).isFalse();
    assertThat(s.text()).isEqualTo("ok EN\uFFFD");
  }

  @Test
  void finishStillCutsAtAStop() {
    StreamedText s = new StreamedText(List.of("END"));
    s.advance("ok EN");
    StreamedText.Release r = s.finish("ok END more");
    assertThat(r.stopped()).isTrue();
    assertThat(s.text()).isEqualTo("ok ");
  }

  @Property
  void releasesConcatenateToTheTextCutBeforeTheFirstStop(
      @ForAll @StringLength(max = 40) String text,
      @ForAll @StringLength(min = 1, max = 3) String stop) {
    StreamedText s = new StreamedText(List.of(stop));
    StringBuilder released = new StringBuilder();
    for (int i = 1; i <= text.length() && !s.stopped(); i++) {
      released.append(s.advance(text.substring(0, i)).text());
    }
    if (!s.stopped()) {
      released.append(s.finish(text).text());
    }
    int cut = text.indexOf(stop);
    String expected = cut >= 0 ? text.substring(0, cut) : text;
    assertThat(released.toString()).isEqualTo(expected).isEqualTo(s.text());
    assertThat(s.stopped()).isEqualTo(cut >= 0);
  }
}
