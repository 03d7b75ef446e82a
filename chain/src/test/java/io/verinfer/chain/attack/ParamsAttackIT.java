package io.verinfer.chain.attack;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.gov.GovCalls;
import io.verinfer.chain.testing.DevnetScene;
import io.verinfer.chain.testing.Enact;
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

  private static String outcome(Supplier<?> change) {
    try {
      change.get();
      return "accepted";
    } catch (ContractRevertException e) {
      return e.errorName();
    }
  }

  @Test
  void harmfulValuesAreRefused() {
    // each value passes a vote (governance is the only setter) and must still be refused
    Map<String, String> outcomes = new LinkedHashMap<>();
    for (String change :
        List.of(
            "withdrawDelay=0",
            "disputeBond=0",
            "minProviderStake=0",
            "unbondingDelay=1s",
            "slashBps=0",
            "committeeSize=2")) {
      outcomes.put(change, outcome(() -> Enact.set(change)));
    }
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
    GovCalls calls = Enact.governance(Enact.VOTERS[0]).calls();
    // a contract without paramsChanged: every call to it reverts
    Enact.actions(List.of(calls.addListener(admin.token().address())));
    String change = outcome(() -> Enact.set("challengeWindow=20m"));
    int blocked = change.equals("accepted") ? 0 : 1;
    assertThat(blocked).as("honest changes blocked by one listener (%s)", change).isZero();
    assertThat(params.disputeParams()).isNotNull();
    // governance can also drop the broken listener
    Enact.actions(List.of(calls.removeListener(admin.token().address())));
    io.verinfer.chain.testing.Reverts.assertReverts(
        () -> Enact.actions(List.of(calls.removeListener(admin.token().address()))),
        "UnknownListener");
  }
}
