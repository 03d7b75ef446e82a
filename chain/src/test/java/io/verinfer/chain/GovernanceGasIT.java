package io.verinfer.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.bindings.InferenceCoordinator;
import io.verinfer.chain.bindings.ProtocolParams;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.gov.GovAction;
import io.verinfer.chain.gov.GovParam;
import io.verinfer.chain.gov.Governance;
import io.verinfer.chain.testing.Enact;
import io.verinfer.chain.testing.GasProfile;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.chain.tx.TxResult;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * Gas of one whole governance round on the real Governor, timelock and {@code ProtocolParams}: a
 * proposal of two parameter changes (the protocol fee and the largest on-chain output, both copied
 * by the {@code InferenceCoordinator}, so each setter's listener notification does real work), the
 * votes, the queue and the execution. Prints the table {@code bench/README.md} quotes. Gas is
 * deterministic, so each step is bounded (about 30% over the figure measured on 2026-12-07) as a
 * regression guard.
 */
class GovernanceGasIT {
  /** The reason given with castVoteWithReason (its bytes are calldata and log data). */
  static final String REASON = "Lower fee, larger outputs: see the forum thread of 2026-12-07.";

  private static String snapshot;

  @BeforeAll
  static void start() {
    snapshot = SharedDevnet.snapshot();
  }

  @AfterAll
  static void stop() {
    SharedDevnet.revert(snapshot);
  }

  record Row(String step, String hash, long gas, long bound, String note) {}

  @Test
  void oneRoundOfTwoParameterChanges() throws Exception {
    int[] voters = Enact.VOTERS;
    Governance proposer = Enact.governance(voters[0]);
    BigInteger fee = proposer.current(GovParam.PROTOCOL_FEE_BPS).add(BigInteger.valueOf(50));
    BigInteger maxOutput =
        proposer.current(GovParam.MAX_OUTPUT_BYTES).add(BigInteger.valueOf(1024));
    List<GovAction> actions =
        proposer.changes(List.of("protocolFeeBps=" + fee, "maxOutputBytes=" + maxOutput));
    assertThat(actions).hasSize(2);
    List<Row> rows = new ArrayList<>();

    // propose: the two calls' calldata and the description are calldata and the ProposalCreated log
    String description = "Gas round: protocolFeeBps=" + fee + ", maxOutputBytes=" + maxOutput;
    long proposeBlock = proposer.clock();
    Governance.Proposal p = proposer.propose(actions, description);
    TxResult proposed = proposalTx(p, proposeBlock);
    rows.add(
        new Row(
            "propose (2 calls, " + description.length() + "-byte description)",
            proposed.hash(),
            gas(proposed),
            110_000,
            "a new proposal slot; the description is only logged"));
    assertThat(proposer.status(p.id()).state()).isEqualTo(Governance.State.PENDING);

    Enact.mineTo(proposer, p.voteStart() + 1);
    assertThat(proposer.status(p.id()).state()).isEqualTo(Governance.State.ACTIVE);
    TxResult first = Enact.governance(voters[1]).vote(p.id(), Governance.Support.FOR, "");
    rows.add(
        new Row(
            "castVote (the proposal's first for-vote)",
            first.hash(),
            gas(first),
            110_000,
            "the for-tally slot goes from zero to non-zero"));
    TxResult later = Enact.governance(voters[2]).vote(p.id(), Governance.Support.FOR, "");
    rows.add(
        new Row(
            "castVote (a later for-vote)",
            later.hash(),
            gas(later),
            90_000,
            "the for-tally slot updated"));
    TxResult withReason = Enact.governance(voters[3]).vote(p.id(), Governance.Support.FOR, REASON);
    rows.add(
        new Row(
            "castVoteWithReason (a later for-vote, " + REASON.length() + "-byte reason)",
            withReason.hash(),
            gas(withReason),
            90_000,
            "as above, plus the reason as calldata and log data"));
    for (int i = 4; i < voters.length; i++) {
      Enact.governance(voters[i]).vote(p.id(), Governance.Support.FOR, "");
    }
    // the proposer votes too; it is the sixth voter the devnet's quorum was sized for
    Enact.governance(voters[0]).vote(p.id(), Governance.Support.FOR, "");
    Enact.mineTo(proposer, p.voteEnd() + 1);
    assertThat(proposer.status(p.id()).state()).isEqualTo(Governance.State.SUCCEEDED);

    TxResult queued = proposer.queue(p);
    rows.add(
        new Row(
            "queue (schedules the batch in the timelock)",
            queued.hash(),
            gas(queued),
            200_000,
            "three new slots: the ETA, the timelock operation id, its timestamp"));
    assertThat(proposer.status(p.id()).state()).isEqualTo(Governance.State.QUEUED);

    SharedDevnet.increaseTime(proposer.timelockDelaySeconds() + 1);
    TxResult executed = proposer.execute(p);
    GasProfile profile = GasProfile.of(executed.hash());
    // execute → Governor (depth 1) → timelock (2) → ProtocolParams (3) → coordinator (4)
    long listeners = profile.below(3);
    rows.add(
        new Row(
            "execute (both setters, each notifying the coordinator)",
            executed.hash(),
            gas(executed),
            180_000,
            "of which the two `paramsChanged` notifications: " + format(listeners)));
    assertThat(proposer.status(p.id()).state()).isEqualTo(Governance.State.EXECUTED);

    // the change and its notification landed: no listener failed, the coordinator's copy is new
    assertThat(proposer.current(GovParam.PROTOCOL_FEE_BPS)).isEqualTo(fee);
    assertThat(proposer.current(GovParam.MAX_OUTPUT_BYTES)).isEqualTo(maxOutput);
    assertThat(ProtocolParams.getListenerFailedEvents(executed.receipt())).isEmpty();
    assertThat(coordinator().maxOutputBytes().send()).isEqualTo(maxOutput);
    assertThat(listeners).as("listener gas").isGreaterThan(0);

    String table = render(rows);
    System.out.println(table);
    for (Row r : rows) {
      System.out.println(r.step() + ": " + GasProfile.of(r.hash()).summary());
    }
    for (Row r : rows) {
      assertThat(r.gas()).as(r.step()).isGreaterThan(0).isLessThanOrEqualTo(r.bound());
    }
  }

  /** The propose transaction, found in the block its ProposalCreated event came from. */
  private static TxResult proposalTx(Governance.Proposal p, long before) throws Exception {
    assertThat(p.block()).isGreaterThan(before);
    var block =
        SharedDevnet.web3j()
            .ethGetBlockByNumber(
                org.web3j.protocol.core.DefaultBlockParameter.valueOf(
                    BigInteger.valueOf(p.block())),
                false)
            .send()
            .getBlock();
    assertThat(block.getTransactions()).hasSize(1);
    String hash = (String) block.getTransactions().get(0).get();
    var receipt =
        SharedDevnet.web3j().ethGetTransactionReceipt(hash).send().getTransactionReceipt().get();
    assertThat(receipt.isStatusOK()).isTrue();
    return TxResult.of(receipt);
  }

  private static long gas(TxResult tx) {
    assertThat(tx.receipt().isStatusOK()).as(tx.hash()).isTrue();
    return tx.gasUsed().longValueExact();
  }

  private static InferenceCoordinator coordinator() {
    return InferenceCoordinator.load(
        SharedDevnet.get().deployment().address("InferenceCoordinator"),
        SharedDevnet.web3j(),
        DevAccounts.account(0),
        new DefaultGasProvider());
  }

  static String render(List<Row> rows) {
    StringBuilder b = new StringBuilder("| step | gas (tx total) | note |\n|---|---:|---|\n");
    for (Row r : rows) {
      b.append("| ")
          .append(r.step())
          .append(" | ")
          .append(format(r.gas()))
          .append(" | ")
          .append(r.note())
          .append(" |\n");
    }
    return b.toString();
  }

  private static String format(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }
}
