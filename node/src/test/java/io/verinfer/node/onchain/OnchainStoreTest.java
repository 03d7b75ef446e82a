package io.verinfer.node.onchain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.chain.bindings.InferenceCoordinator;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Proposed;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Requested;
import io.verinfer.node.onchain.Assignment.State;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.ModelId;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The request watcher's SQLite state: what a restarted node finds. */
class OnchainStoreTest {
  @TempDir Path dir;

  private static final Instant DEADLINE = Instant.parse("2030-01-01T00:00:00Z");
  private static final byte[] INPUT = "VTN1 input".getBytes(StandardCharsets.UTF_8);

  private static OnchainEvents.Spec spec(long id) {
    return OnchainEvents.spec(id, ModelId.of(3), DEADLINE, INPUT);
  }

  @Test
  void anEventIsRecordedOnceAndAReassignmentIsAnotherAssignment() {
    try (SqliteRequestStore store = new SqliteRequestStore(dir.resolve("onchain.db"))) {
      RequestEvent first = OnchainEvents.event(spec(7));
      assertThat(store.add(first, State.SEEN, null)).isTrue();
      assertThat(store.add(first, State.SEEN, null)).isFalse(); // delivered again after a restart
      RequestEvent again =
          OnchainEvents.event(spec(7).reassignedAt(200, DEADLINE.plusSeconds(300)));
      assertThat(store.add(again, State.SEEN, null)).isTrue();
      assertThat(store.ofRequest(7))
          .extracting(Assignment::key)
          .containsExactly(first.key(), again.key());
      assertThat(store.open()).hasSize(2);
    }
  }

  @Test
  void theStoredEventDecodesToTheSameRequestAndTheSameFulfilCall() {
    Path file = dir.resolve("onchain.db");
    RequestEvent original = OnchainEvents.event(spec(9));
    try (SqliteRequestStore store = new SqliteRequestStore(file)) {
      store.add(original, State.SEEN, null);
    }
    try (SqliteRequestStore store = new SqliteRequestStore(file)) {
      RequestEvent stored = store.get(original.key()).orElseThrow().event();
      Requested a = original.requested();
      Requested b = stored.requested();
      assertThat(b.id()).isEqualTo(a.id());
      assertThat(b.ticket()).isEqualTo(a.ticket());
      assertThat(b.input()).isEqualTo(INPUT);
      assertThat(stored.block()).isEqualTo(original.block());
      InferenceCoordinator binding = OnchainEvents.binding();
      byte[] output = {1, 2, 3};
      assertThat(stored.fulfilCall(binding, output))
          .isEqualTo(original.fulfilCall(binding, output))
          .startsWith("0x");
    }
  }

  @Test
  void aSentFulfilmentIsOnDiskWhenMarkSentReturns() {
    Path file = dir.resolve("onchain.db");
    RequestEvent event = OnchainEvents.event(spec(11));
    Instant at = Instant.parse("2029-05-05T10:00:00.123Z");
    try (SqliteRequestStore store = new SqliteRequestStore(file)) {
      store.add(event, State.SEEN, null);
      store.markSent(event.key(), "0xabc", BigInteger.valueOf(42), at);
    }
    try (SqliteRequestStore store = new SqliteRequestStore(file)) {
      Assignment a = store.get(event.key()).orElseThrow();
      assertThat(a.state()).isEqualTo(State.SENT);
      assertThat(a.fulfilTx()).isEqualTo("0xabc");
      assertThat(a.fulfilNonce()).isEqualTo(BigInteger.valueOf(42));
      assertThat(a.sentAt()).isEqualTo(at);
      assertThat(a.attempts()).isEqualTo(1);
      assertThat(store.open()).extracting(Assignment::key).containsExactly(event.key());

      store.advance(event.key(), State.DONE, null);
      assertThat(store.open()).isEmpty();
      assertThat(store.count(State.DONE)).isEqualTo(1);
      assertThat(store.get(event.key()).orElseThrow().fulfilTx()).isEqualTo("0xabc");
      // a closed request is never sent again
      assertThatThrownBy(() -> store.markSent(event.key(), "0xdef", BigInteger.ONE, at))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("no open assignment");
    }
  }

  @Test
  void failuresAreCountedAndSkippedAssignmentsAreNotOpen() {
    try (SqliteRequestStore store = new SqliteRequestStore(dir.resolve("onchain.db"))) {
      RequestEvent event = OnchainEvents.event(spec(12));
      store.add(event, State.SEEN, null);
      assertThat(store.countFailure(event.key(), "runtime down")).isEqualTo(1);
      assertThat(store.countFailure(event.key(), "runtime down")).isEqualTo(2);
      assertThat(store.get(event.key()).orElseThrow().note()).isEqualTo("runtime down");

      RequestEvent skipped = OnchainEvents.event(spec(13).withModel(ModelId.of(99)));
      store.add(skipped, State.SKIPPED, "this node does not serve model 99");
      assertThat(store.open()).extracting(Assignment::key).containsExactly(event.key());
      assertThat(store.get(skipped.key()).orElseThrow().note()).contains("model 99");
    }
  }

  @Test
  void aProposalIsRecordedOnceAndSettlesWithTheProposedTicketAfterARestart() {
    Path file = dir.resolve("onchain.db");
    byte[] output = {4, 5, 6};
    Instant windowEnd = DEADLINE.plusSeconds(600);
    OnchainEvents.Spec spec =
        new OnchainEvents.Spec(21, ModelId.of(3), 1, 100_000, windowEnd, INPUT, false, 140);
    ProposalEvent original = OnchainEvents.proposal(spec, output);
    try (SqliteRequestStore store = new SqliteRequestStore(file)) {
      assertThat(store.addProposal(original)).isTrue();
      assertThat(store.addProposal(original)).isFalse(); // delivered again after a restart
      // a proposal is not an assignment: the fulfil steps never see it
      assertThat(store.open()).isEmpty();
    }
    try (SqliteRequestStore store = new SqliteRequestStore(file)) {
      Proposal p = store.proposal(original.key()).orElseThrow();
      assertThat(p.state()).isEqualTo(Proposal.State.WAITING);
      assertThat(p.attempts()).isZero();
      assertThat(store.openProposals()).extracting(Proposal::key).containsExactly(original.key());
      assertThat(store.proposalsOf(21)).hasSize(1);
      Proposed a = original.proposed();
      Proposed b = p.event().proposed();
      assertThat(b.id()).isEqualTo(21);
      assertThat(b.ticket()).isEqualTo(a.ticket());
      assertThat(b.ticket().deadline()).isEqualTo(windowEnd);
      assertThat(b.ticket().outputHash()).isEqualTo(Bytes32.keccak256(output));
      assertThat(b.output()).isEqualTo(output);
      InferenceCoordinator binding = OnchainEvents.binding();
      String call = p.event().settleCall(binding);
      assertThat(call)
          .isEqualTo(original.settleCall(binding))
          .isEqualTo(
              binding
                  .settle(
                      BigInteger.valueOf(21),
                      (InferenceCoordinator.Ticket)
                          InferenceCoordinator.staticExtractEventParameters(
                                  InferenceCoordinator.INFERENCEPROPOSED_EVENT,
                                  OnchainEvents.proposalLog(spec, output))
                              .getNonIndexedValues()
                              .get(0),
                      output)
                  .encodeFunctionCall());
    }
  }

  @Test
  void aSentSettleIsOnDiskWhenMarkSettleSentReturnsAndAClosedProposalIsNeverSent() {
    Path file = dir.resolve("onchain.db");
    ProposalEvent event = OnchainEvents.proposal(spec(22).withMode(1), new byte[] {1});
    Instant at = Instant.parse("2029-05-05T10:00:00.123Z");
    try (SqliteRequestStore store = new SqliteRequestStore(file)) {
      store.addProposal(event);
      store.markSettleSent(event.key(), "0xabc", BigInteger.valueOf(7), at);
    }
    try (SqliteRequestStore store = new SqliteRequestStore(file)) {
      Proposal p = store.proposal(event.key()).orElseThrow();
      assertThat(p.state()).isEqualTo(Proposal.State.SENT);
      assertThat(p.settleTx()).isEqualTo("0xabc");
      assertThat(p.settleNonce()).isEqualTo(BigInteger.valueOf(7));
      assertThat(p.sentAt()).isEqualTo(at);
      assertThat(p.attempts()).isEqualTo(1);

      store.advanceProposal(event.key(), Proposal.State.SETTLED, null);
      assertThat(store.openProposals()).isEmpty();
      assertThat(store.proposal(event.key()).orElseThrow().settleTx()).isEqualTo("0xabc");
      assertThatThrownBy(() -> store.markSettleSent(event.key(), "0xdef", BigInteger.ONE, at))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("no open proposal");
    }
  }

  @Test
  void theCursorSurvivesARestart() {
    Path file = dir.resolve("onchain.db");
    try (SqliteRequestStore store = new SqliteRequestStore(file)) {
      assertThat(store.cursor("c").load()).isEmpty();
      store.cursor("c").save(1234);
      store.cursor("c").save(1240);
    }
    try (SqliteRequestStore store = new SqliteRequestStore(file)) {
      assertThat(store.cursor("c").load()).hasValue(1240);
      assertThat(store.cursor("other").load()).isEmpty();
    }
  }
}
