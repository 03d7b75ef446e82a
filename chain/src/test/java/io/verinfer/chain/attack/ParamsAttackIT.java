package io.verinfer.chain.attack;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.testing.DevnetScene;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.TokenAmount;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Finding 8 (parameters): values that break the money rules were accepted, and one reverting
 * listener blocked every setter. Against the old contract all 6 harmful values below were accepted
 * (a withdrawal delay of 0, a bond of 0, a minimum stake of 0, unbonding shorter than a dispute, a
 * slash of 0, an even committee) and with a reverting listener registered 1 of 1 honest change was
 * blocked.
 */
class ParamsAttackIT extends DevnetScene {

  private static String outcome(Supplier<TxResult> change) {
    try {
      change.get();
      return "accepted";
    } catch (ContractRevertException e) {
      return e.errorName();
    }
  }

  @Test
  void harmfulValuesAreRefused() {
    var params = actors.admin().params();
    Map<String, String> outcomes = new LinkedHashMap<>();
    outcomes.put("withdrawDelay=0", outcome(() -> params.setWithdrawDelay(Duration.ZERO)));
    outcomes.put("disputeBond=0", outcome(() -> params.setDisputeBond(TokenAmount.ZERO)));
    outcomes.put("minProviderStake=0", outcome(() -> params.setMinProviderStake(TokenAmount.ZERO)));
    outcomes.put(
        "unbondingDelay=1s", outcome(() -> params.setUnbondingDelay(Duration.ofSeconds(1))));
    outcomes.put("slashBps=0", outcome(() -> params.setSlashBps(0)));
    outcomes.put("committeeSize=2", outcome(() -> params.setCommitteeSize(2)));
    List<String> accepted = new ArrayList<>();
    outcomes.forEach(
        (k, v) -> {
          if (v.equals("accepted")) {
            accepted.add(k);
          }
        });
    assertThat(accepted).as("harmful values accepted: %s", outcomes).isEmpty();
  }

  @Test
  void aRevertingListenerCannotBlockGovernance() {
    VerinferChain admin = actors.admin();
    var params = admin.params();
    // a contract without paramsChanged: every call to it reverts
    params.addListener(admin.token().address());
    String change = outcome(() -> params.setChallengeWindow(Duration.ofMinutes(20)));
    int blocked = change.equals("accepted") ? 0 : 1;
    assertThat(blocked).as("honest changes blocked by one listener (%s)", change).isZero();
    assertThat(params.disputeParams()).isNotNull();
    // governance can also drop the broken listener
    params.removeListener(admin.token().address());
    io.verinfer.chain.testing.Reverts.assertReverts(
        () -> params.removeListener(admin.token().address()), "UnknownListener");
  }
}
