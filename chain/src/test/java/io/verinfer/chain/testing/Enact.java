package io.verinfer.chain.testing;

import io.verinfer.chain.Deployment;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.gov.GovAction;
import io.verinfer.chain.gov.GovParam;
import io.verinfer.chain.gov.Governance;
import io.verinfer.chain.tx.RetryPolicy;
import io.verinfer.chain.tx.TransactionSender;
import java.math.BigInteger;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.web3j.protocol.Web3j;

/**
 * Changes protocol parameters on the shared devnet the only way there is: a proposal by a demo
 * holder, voted for by the {@link #VOTERS} (past the devnet's quorum), queued, and executed after
 * the timelock's delay (the chain's clock moved forward). Tests that need other parameters than the
 * defaults call this where they used to call an admin setter.
 */
public final class Enact {
  /** Demo accounts (self-delegated at devnet start) whose votes pass the devnet quorum. */
  public static final int[] VOTERS = {14, 15, 16, 17, 18, 19};

  private static final AtomicLong SERIAL = new AtomicLong();

  private Enact() {}

  /** Enacts {@code NAME=VALUE} changes ({@link GovParam} names); returns the proposal. */
  public static Governance.Proposal set(String... changes) {
    return actions(governance(VOTERS[0]).changes(List.of(changes)));
  }

  /** Enacts the given calls through a whole proposal. */
  public static Governance.Proposal actions(List<GovAction> actions) {
    return actions(actions, VOTERS[0], VOTERS);
  }

  /**
   * Enacts the given calls through a whole proposal made by account {@code proposer} and voted for
   * by {@code voters}; a call that reverts at execution surfaces as its revert (the proposal then
   * stays queued and nothing it would have changed has changed).
   */
  public static Governance.Proposal actions(List<GovAction> actions, int proposer, int... voters) {
    Governance.Proposal p = propose(actions, proposer);
    passVote(p, voters);
    queueAndExecute(p);
    return p;
  }

  /** Proposes {@code actions} as account {@code proposer} (a unique description). */
  public static Governance.Proposal propose(List<GovAction> actions, int proposer) {
    return governance(proposer).propose(actions, description(actions));
  }

  /** Queues a succeeded proposal, waits out the timelock's delay and executes it. */
  public static void queueAndExecute(Governance.Proposal p) {
    Governance any = governance(VOTERS[0]);
    any.queue(p);
    SharedDevnet.increaseTime(any.timelockDelaySeconds() + 1);
    any.execute(p);
  }

  /** Votes {@code p} through to Succeeded (every voter for), mining past its deadline. */
  public static void passVote(Governance.Proposal p) {
    passVote(p, VOTERS);
  }

  /** Votes {@code p} with {@code voters} (all for), mining past its deadline. */
  public static void passVote(Governance.Proposal p, int... voters) {
    openVoting(p);
    for (int voter : voters) {
      governance(voter).vote(p.id(), Governance.Support.FOR, "");
    }
    closeVoting(p);
  }

  /** Mines until votes on {@code p} are accepted (past its snapshot). */
  public static void openVoting(Governance.Proposal p) {
    mineTo(governance(VOTERS[0]), p.voteStart() + 1);
  }

  /** Mines past {@code p}'s deadline, so its outcome is decided. */
  public static void closeVoting(Governance.Proposal p) {
    mineTo(governance(VOTERS[0]), p.voteEnd() + 1);
  }

  /** Mines until the Governor's clock (block number) is at least {@code block}. */
  public static void mineTo(Governance g, long block) {
    long now = g.clock();
    if (now < block) SharedDevnet.mine(block - now);
  }

  /** A unique description, so the same change twice is two proposals (ids hash the text). */
  public static String description(List<GovAction> actions) {
    return "test #" + SERIAL.incrementAndGet() + " (" + System.nanoTime() + "): " + actions;
  }

  /** The Governance view of demo account {@code index}. */
  public static Governance governance(int index) {
    Deployment d = SharedDevnet.get().deployment();
    Web3j web3j = SharedDevnet.web3j();
    return new Governance(
        new TransactionSender(
            web3j, DevAccounts.account(index), d.chainId(), RetryPolicy.defaults()),
        d);
  }

  /** The current value of a governed parameter. */
  public static BigInteger current(GovParam param) {
    return governance(VOTERS[0]).current(param);
  }
}
