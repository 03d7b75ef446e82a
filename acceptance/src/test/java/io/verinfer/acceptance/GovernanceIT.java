package io.verinfer.acceptance;

import static io.verinfer.chain.testing.Reverts.assertReverts;
import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.acceptance.Marketplace.Provider;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.facade.PaymentChannelsFacade.LaneState;
import io.verinfer.chain.gov.GovAction;
import io.verinfer.chain.gov.Governance;
import io.verinfer.chain.gov.Governance.Proposal;
import io.verinfer.chain.gov.Governance.State;
import io.verinfer.chain.gov.Governance.Support;
import io.verinfer.chain.testing.Enact;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.client.ClientOptions;
import io.verinfer.client.ProviderOffer;
import io.verinfer.client.Routing;
import io.verinfer.client.VerinferClient;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's acceptance: the token holders change two parameters through the Governor and the
 * timelock, and the running network follows without a restart. A proposal short of quorum and one
 * voted down change nothing; executing before the timelock's ETA reverts. While the passed change
 * waits in the timelock, the running provider redeems the work it served under the old fee; once
 * executed it tops its stake up to the new minimum, and the SDK stops routing to a provider that
 * did not (it was down).
 */
class GovernanceIT {
  private static final int CONSUMER = 2;
  private static final int[] FOR_LOW_TURNOUT = {15};
  private static final int[] FOR_VOTED_DOWN = {14, 15, 16, 17};
  private static final int[] AGAINST_VOTED_DOWN = {18, 19, 10, 11, 12};
  private static final int PAID_CALLS = 20;

  @TempDir Path dir;

  @Test
  void holdersChangeTwoParametersAndTheNetworkFollows() {
    try (Marketplace market = Marketplace.open(dir)) {
      ModelId model = market.publishFraudDetect(1_000);
      Provider running = market.startProvider(8, TokenAmount.of(1_000));
      Provider down = market.startProvider(9, TokenAmount.of(1_000));
      VerinferChain view = market.chain(0);
      Governance gov = Enact.governance(Enact.VOTERS[0]);
      TokenAmount oldMin = view.params().minProviderStake();
      int oldFee = view.params().protocolFeeBps();
      assertThat(oldMin).isEqualTo(TokenAmount.ofTokens("1000"));
      assertThat(oldFee).isEqualTo(300);
      List<GovAction> change = gov.changes(List.of("minProviderStake=1500", "protocolFeeBps=500"));
      System.out.println("proposal: " + change);

      // short of quorum (one holder of 1M VRF, quorum 4M): defeated, nothing changes
      Proposal lowTurnout = gov.propose(change, "raise stake and fee (low turnout)");
      vote(gov, lowTurnout, FOR_LOW_TURNOUT, new int[0]);
      Governance.Status low = gov.status(lowTurnout.id());
      System.out.printf(
          "low turnout: %s, for %s of quorum %s%n", low.state(), low.forVotes(), low.quorum());
      assertThat(low.state()).isEqualTo(State.DEFEATED);
      assertThat(low.quorumReached()).isFalse();
      assertReverts(() -> gov.queue(lowTurnout), "GovernorUnexpectedProposalState");

      // quorum reached but more against than for: defeated, nothing changes
      Proposal votedDown = gov.propose(change, "raise stake and fee (voted down)");
      vote(gov, votedDown, FOR_VOTED_DOWN, AGAINST_VOTED_DOWN);
      Governance.Status down1 = gov.status(votedDown.id());
      System.out.printf(
          "voted down: %s, for %s against %s%n",
          down1.state(), down1.forVotes(), down1.againstVotes());
      assertThat(down1.state()).isEqualTo(State.DEFEATED);
      assertThat(down1.quorumReached()).isTrue();
      assertReverts(() -> gov.queue(votedDown), "GovernorUnexpectedProposalState");
      assertThat(view.params().minProviderStake()).isEqualTo(oldMin);
      assertThat(view.params().protocolFeeBps()).isEqualTo(oldFee);

      // work served under the old rules, vouchers still held by the provider
      VerinferClient client =
          market.consumer(CONSUMER, ClientOptions.defaults().withTimeout(Duration.ofSeconds(5)));
      client.deposit(TokenAmount.of(1_000_000));
      for (int i = 0; i < PAID_CALLS; i++) {
        List<Tensor> inputs = List.of(Marketplace.features(i));
        assertThat(client.infer(model, inputs, Routing.only(running.address())).provider())
            .isEqualTo(running.address());
      }
      Address treasury = view.params().treasury();
      TokenAmount treasuryBefore = view.channels().earningsOf(treasury);
      assertThat(laneOf(view, client, running, model).calls()).isZero();

      // passes: queued, the running node redeems before the fee rises
      Proposal passed = gov.propose(change, "raise stake to 1500 VRF and fee to 5%");
      Enact.passVote(passed);
      assertThat(gov.status(passed.id()).state()).isEqualTo(State.SUCCEEDED);
      gov.queue(passed);
      Governance.Status queued = gov.status(passed.id());
      assertThat(queued.state()).isEqualTo(State.QUEUED);
      assertThat(queued.eta()).isGreaterThan(SharedDevnet.latestTimestamp());
      long redeemedAfterMs =
          waitFor(
              () -> laneOf(view, client, running, model).calls() == PAID_CALLS,
              "the provider redeems its lane once a fee rise is scheduled");
      System.out.printf(
          "provider redeemed %d calls %d ms after the queue%n", PAID_CALLS, redeemedAfterMs);
      TokenAmount paid = running.price().times(PAID_CALLS);
      assertThat(view.channels().earningsOf(treasury).minus(treasuryBefore))
          .as("the treasury's fee on work served before the change: the old %d bps", oldFee)
          .isEqualTo(
              TokenAmount.of(
                  paid.baseUnits()
                      .multiply(java.math.BigInteger.valueOf(oldFee))
                      .divide(java.math.BigInteger.valueOf(10_000))));

      // too early: the timelock refuses, nothing changes
      assertReverts(() -> gov.execute(passed), "TimelockUnexpectedOperationState");
      assertThat(view.params().protocolFeeBps()).isEqualTo(oldFee);

      down.stop(); // a provider that is down when the change lands cannot react to it
      SharedDevnet.increaseTime(gov.timelockDelaySeconds() + 1);
      gov.execute(passed);
      assertThat(gov.status(passed.id()).state()).isEqualTo(State.EXECUTED);
      assertThat(view.params().minProviderStake()).isEqualTo(TokenAmount.ofTokens("1500"));
      assertThat(view.params().protocolFeeBps()).isEqualTo(500);

      // the running node tops up without a restart; the SDK routes only to eligible providers
      long toppedUpAfterMs =
          waitFor(
              () ->
                  view.providers()
                          .stakeOf(running.address())
                          .compareTo(TokenAmount.ofTokens("1500"))
                      >= 0,
              "the running provider tops its stake up to the new minimum");
      System.out.printf("running provider topped up %d ms after execution%n", toppedUpAfterMs);
      assertThat(view.providers().stakeOf(down.address())).isEqualTo(TokenAmount.ofTokens("1000"));
      VerinferClient fresh =
          market.consumer(
              CONSUMER + 1, ClientOptions.defaults().withTimeout(Duration.ofSeconds(5)));
      assertThat(fresh.offers(model))
          .extracting(ProviderOffer::provider)
          .containsExactly(running.address());
      fresh.deposit(TokenAmount.of(1_000_000));
      assertThat(fresh.infer(model, List.of(Marketplace.features(99)), Routing.any()).provider())
          .isEqualTo(running.address());
    }
  }

  private static LaneState laneOf(
      VerinferChain view, VerinferClient client, Provider provider, ModelId model) {
    return view.channels().laneOf(client.address(), provider.address(), model);
  }

  private static void vote(Governance gov, Proposal p, int[] yes, int[] no) {
    Enact.mineTo(gov, p.voteStart() + 1);
    for (int a : yes) {
      Enact.governance(a).vote(p.id(), Support.FOR, "");
    }
    for (int a : no) {
      Enact.governance(a).vote(p.id(), Support.AGAINST, "no");
    }
    Enact.mineTo(gov, p.voteEnd() + 1);
  }

  /** Waits (bounded: 30 s) for {@code condition}; returns the milliseconds it took. */
  private static long waitFor(BooleanSupplier condition, String what) {
    long start = System.nanoTime();
    for (int i = 0; i < 300; i++) {
      if (condition.getAsBoolean()) {
        return (System.nanoTime() - start) / 1_000_000;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting: " + what, e);
      }
    }
    throw new AssertionError("timed out after 30 s waiting: " + what);
  }
}
