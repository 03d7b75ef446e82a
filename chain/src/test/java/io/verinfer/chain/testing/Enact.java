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
    Governance proposer = governance(VOTERS[0]);
    Governance.Proposal p = proposer.propose(actions, description(actions));
    passVote(p);
    proposer.queue(p);
    SharedDevnet.increaseTime(proposer.timelockDelaySeconds() + 1);
    proposer.execute(p);
    return p;
  }

  /** Votes {@code p} through to Succeeded (every voter for), mining past its deadline. */
  public static void passVote(Governance.Proposal p) {
    Governance any = governance(VOTERS[0]);
    mineTo(any, p.voteStart() + 1);
    for (int voter : VOTERS) {
      governance(voter).vote(p.id(), Governance.Support.FOR, "");
    }
    mineTo(any, p.voteEnd() + 1);
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
