package io.verinfer.node.disputes;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.protocol.text.TextOutput;
import io.verinfer.protocol.text.TextOutput.End;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Votes over text: token for token against the re-run, and exact bytes for contract replies. */
class TextVotesTest {
  private static final Reexecution RUN =
      new Reexecution.Generated(new TextOutput(End.STOP, new int[] {11, 12, 13, 2}));

  private static byte[] claim(End end, int... tokens) {
    return new TextOutput(end, tokens).encode();
  }

  @Test
  void theWholeRunAndAnyCheckpointPrefixOfItAreInnocent() {
    assertThat(Votes.of(RUN, List.of(claim(End.STOP, 11, 12, 13, 2)), 0)).isZero();
    assertThat(Votes.of(RUN, List.of(claim(End.RUNNING, 11, 12)), 0)).isZero();
    assertThat(Votes.of(RUN, List.of(claim(End.CANCELLED, 11)), 0)).isZero();
  }

  @Test
  void aChangedTokenATruncationClaimedFinishedOrAnInventedTailIsGuilty() {
    assertThat(Votes.of(RUN, List.of(claim(End.RUNNING, 11, 99)), 0)).isEqualTo(1);
    assertThat(Votes.of(RUN, List.of(claim(End.STOP, 11, 12)), 0)).isEqualTo(1);
    assertThat(Votes.of(RUN, List.of(claim(End.LENGTH, 11, 12, 13, 2)), 0)).isEqualTo(1);
    assertThat(Votes.of(RUN, List.of(claim(End.RUNNING, 11, 12, 13, 2, 7)), 0)).isEqualTo(1);
    assertThat(Votes.of(RUN, List.of("not an output".getBytes(StandardCharsets.UTF_8)), 0))
        .isEqualTo(1);
  }

  @Test
  void twoAccusedAreJudgedEachOnItsOwn() {
    assertThat(
            Votes.of(RUN, List.of(claim(End.RUNNING, 11), claim(End.RUNNING, 11, 13)), 1_000_000))
        .as("tolerance plays no part in text")
        .isEqualTo(2);
  }

  @Test
  void aContractReplyMustBeTheRerunsBytes() {
    Reexecution reply = new Reexecution.Exact("Hello, traveller.".getBytes(StandardCharsets.UTF_8));
    assertThat(Votes.of(reply, List.of("Hello, traveller.".getBytes(StandardCharsets.UTF_8)), 0))
        .isZero();
    assertThat(Votes.of(reply, List.of("Hello, traveller!".getBytes(StandardCharsets.UTF_8)), 0))
        .isEqualTo(1);
  }
}
