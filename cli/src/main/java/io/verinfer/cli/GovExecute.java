package io.verinfer.cli;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.gov.Governance;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gov execute ID}: a queued proposal's calls, through the timelock. */
@Command(
    name = "execute",
    mixinStandardHelpOptions = true,
    description =
        "Execute a Queued proposal whose timelock ETA has passed (anyone may): the timelock makes"
            + " its calls.")
final class GovExecute implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "PROPOSAL_ID", description = "The proposal's id.")
  String id;

  @Mixin ChainOptions chain;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    BigInteger proposalId = GovSupport.proposalId(id);
    try (VerinferChain wallet = chain.connect()) {
      Governance g = wallet.governance();
      Governance.Proposal p = GovSupport.find(g, proposalId);
      Governance.Status s = g.status(proposalId);
      long now = GovSupport.chainTime(wallet);
      if (s.state() == Governance.State.SUCCEEDED) {
        throw new UserError(
            "proposal "
                + p.idText()
                + " is Succeeded but not queued yet: `verinfer gov queue "
                + p.idText()
                + "` first, then execute after the timelock's delay");
      }
      if (s.state() != Governance.State.QUEUED) {
        throw new UserError(
            GovQueue.notSucceeded(p, s, now).replace("not Succeeded", "not Queued"));
      }
      try {
        // sent even when the latest block is before the ETA: the next block's time decides (an
        // idle devnet's latest block may be old), and a revert in the estimate sends nothing
        g.execute(p);
      } catch (ContractRevertException e) {
        if (now < s.eta() || "TimelockUnexpectedOperationState".equals(e.errorName())) {
          throw tooEarly(p, s, GovSupport.chainTime(wallet), e);
        }
        throw new UserError(
            "executing proposal "
                + p.idText()
                + " reverted, nothing changed: "
                + e.getMessage()
                + " (a call outside the contract's bounds? `verinfer gov params` shows them)",
            e);
      }
      out.println("executed proposal " + p.idText() + ":");
      for (String call : g.decode(p)) {
        out.println("  " + call);
      }
      out.flush();
    }
    return 0;
  }

  private static UserError tooEarly(
      Governance.Proposal p, Governance.Status s, long now, Throwable cause) {
    String message =
        "proposal "
            + p.idText()
            + " is queued but not yet at its ETA "
            + GovSupport.utc(s.eta())
            + ": "
            + Math.max(1, s.eta() - now)
            + " s left (chain time "
            + GovSupport.utc(now)
            + "); nothing was sent, try again then";
    return new UserError(message, cause);
  }
}
