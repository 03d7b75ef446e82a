package io.verinfer.node.disputes;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.facade.DisputeManagerFacade.DisputeInfo;
import io.verinfer.chain.facade.DisputeManagerFacade.Opened;
import io.verinfer.chain.facade.DisputeManagerFacade.Phase;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A member votes only on event bytes that hash to what the contract recorded. */
class EvidenceCheckTest {
  private static final Address ACCUSED = Address.of("0x" + "11".repeat(20));
  private static final Address OTHER = Address.of("0x" + "22".repeat(20));
  private static final byte[] INPUT = "VTN1 input".getBytes(StandardCharsets.UTF_8);
  private static final byte[] OUTPUT = "VTN1 output".getBytes(StandardCharsets.UTF_8);

  private static DisputeInfo dispute() {
    return new DisputeInfo(
        7,
        OTHER,
        ModelId.of(3),
        Phase.VOTING,
        Bytes32.keccak256(INPUT),
        List.of(ACCUSED),
        List.of(Bytes32.keccak256(OUTPUT)),
        List.of(0),
        List.of(),
        List.of(),
        0,
        0,
        TokenAmount.ZERO,
        10,
        Instant.EPOCH,
        Instant.EPOCH,
        List.of(),
        0,
        0,
        0,
        0,
        0);
  }

  private static Opened opened(long id, long model, Address accused, byte[] input, byte[] output) {
    return new Opened(id, OTHER, ModelId.of(model), List.of(accused), input, List.of(output), 9);
  }

  @Test
  void theDisputesOwnBytesPass() {
    assertThat(DutySteps.evidenceMismatch(opened(7, 3, ACCUSED, INPUT, OUTPUT), dispute()))
        .isNull();
  }

  @Test
  void anyOtherBytesOrAnotherDisputeAreRefused() {
    byte[] other = "VTN1 other".getBytes(StandardCharsets.UTF_8);
    assertThat(DutySteps.evidenceMismatch(opened(7, 3, ACCUSED, other, OUTPUT), dispute()))
        .contains("inputHash");
    assertThat(DutySteps.evidenceMismatch(opened(7, 3, ACCUSED, INPUT, other), dispute()))
        .contains("outputHash");
    assertThat(DutySteps.evidenceMismatch(opened(7, 3, OTHER, INPUT, OUTPUT), dispute()))
        .contains("accused");
    assertThat(DutySteps.evidenceMismatch(opened(8, 3, ACCUSED, INPUT, OUTPUT), dispute()))
        .contains("dispute 8");
    assertThat(DutySteps.evidenceMismatch(opened(7, 4, ACCUSED, INPUT, OUTPUT), dispute()))
        .contains("model");
  }
}
