package io.verinfer.cli;

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

/** {@code gov queue ID}: a Succeeded proposal into the timelock. */
@Command(
    name = "queue",
    mixinStandardHelpOptions = true,
    description =
        "Queue a Succeeded proposal in the timelock (anyone may); it can be executed after the"
            + " timelock's delay.")
final class GovQueue implements Callable<Integer> {
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
      if (s.state() != Governance.State.SUCCEEDED) {
        throw new UserError(notSucceeded(p, s, GovSupport.chainTime(wallet)));
      }
      g.queue(p);
      Governance.Status queued = g.status(proposalId);
      long now = GovSupport.chainTime(wallet);
      out.println("queued proposal " + p.idText() + " in the timelock");
      out.println(
          "  ETA   "
              + GovSupport.utc(queued.eta())
              + " ("
              + Math.max(0, queued.eta() - now)
              + " s from now)");
      out.println("next:  verinfer gov execute " + p.idText() + "   (at or after the ETA)");
      out.flush();
    }
    return 0;
  }

  static String notSucceeded(Governance.Proposal p, Governance.Status s, long chainTime) {
    String why =
        switch (s.state()) {
          case PENDING, ACTIVE -> "its vote is still open";
          case DEFEATED ->
              s.quorumReached()
                  ? "more voted against (" + s.againstVotes().toTokens() + " VRF) than for"
                  : "it missed the quorum of "
                      + s.quorum().toTokens()
                      + " VRF (for + abstain: "
                      + s.forVotes().plus(s.abstainVotes()).toTokens()
                      + " VRF)";
          case QUEUED -> "it is already queued (ETA " + GovSupport.utc(s.eta()) + ")";
          default -> "nothing more can happen to it";
        };
    String next = GovSupport.next(p, s, chainTime);
    return "proposal "
        + p.idText()
        + " is "
        + GovSupport.state(s.state())
        + ", not Succeeded: "
        + why
        + (next.isEmpty() ? "" : "; " + next);
  }
}
