package io.verinfer.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.text.TextOutput;
import io.verinfer.protocol.text.TextOutput.End;
import io.verinfer.protocol.text.TextRequest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When two text results agree for verification: same request, same tokens, same end. */
class TextAgreementTest {
  private static final Address A = Address.of("0x00000000000000000000000000000000000000a1");
  private static final Address B = Address.of("0x00000000000000000000000000000000000000b2");
  private static final TextRequest REQUEST =
      new TextRequest(new int[] {1, 2, 3}, 0, 1, 7, 8, List.of());

  private static TextResult result(Address who, TextRequest request, End end, int... tokens) {
    return new TextResult(
        "",
        new TextOutput(end, tokens),
        request,
        TokenAmount.ZERO,
        1,
        null,
        who,
        Duration.ZERO,
        Duration.ZERO,
        VerificationReport.notChecked(Verification.none(), who));
  }

  @Test
  void identicalRunsAgree() {
    assertThat(
            Verifier.agree(result(A, REQUEST, End.STOP, 5, 6), result(B, REQUEST, End.STOP, 5, 6)))
        .isTrue();
  }

  @Test
  void oneTokenApartDisagreesBothWays() {
    TextResult a = result(A, REQUEST, End.LENGTH, 5, 6, 7);
    TextResult b = result(B, REQUEST, End.LENGTH, 5, 9, 7);
    assertThat(Verifier.agree(a, b)).isFalse();
    assertThat(Verifier.agree(b, a)).isFalse();
  }

  @Test
  void aDifferentEndDisagrees() {
    assertThat(Verifier.agree(result(A, REQUEST, End.STOP, 5), result(B, REQUEST, End.LENGTH, 5)))
        .isFalse();
    // a cancelled prefix and a finished run are not the same answer either
    assertThat(
            Verifier.agree(
                result(A, REQUEST, End.CANCELLED, 5), result(B, REQUEST, End.STOP, 5, 6)))
        .isFalse();
  }

  @Test
  void anotherCommittedRequestDisagrees() {
    TextRequest other = new TextRequest(new int[] {1, 2, 4}, 0, 1, 7, 8, List.of());
    assertThat(Verifier.agree(result(A, REQUEST, End.STOP, 5), result(B, other, End.STOP, 5)))
        .isFalse();
  }
}
