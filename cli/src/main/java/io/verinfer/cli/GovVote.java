package io.verinfer.cli;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.gov.Governance;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gov vote ID for|against|abstain}. */
@Command(
    name = "vote",
    mixinStandardHelpOptions = true,
    description = {
      "Vote on an Active proposal with the votes delegated to you at its snapshot block.",
      "Quorum counts for + abstain votes; a proposal succeeds with quorum and more for than"
          + " against."
    })
final class GovVote implements Callable<Integer> {
  /** How a vote is written on the command line. */
  enum Choice {
    FOR(Governance.Support.FOR),
    AGAINST(Governance.Support.AGAINST),
    ABSTAIN(Governance.Support.ABSTAIN);

    final Governance.Support support;

    Choice(Governance.Support support) {
      this.support = support;
    }
  }

  @Parameters(index = "0", paramLabel = "PROPOSAL_ID", description = "The proposal's id.")
  String id;

  @Parameters(
      index = "1",
      paramLabel = "for|against|abstain",
      description = "Your vote: for, against or abstain.")
  String choiceText;

  @Option(names = "--reason", paramLabel = "TEXT", description = "Why (recorded on-chain).")
  String reason;

  @Mixin ChainOptions chain;

  @Spec CommandSpec spec;

  static Choice choice(String text) {
    for (Choice c : Choice.values()) {
      if (c.name().equalsIgnoreCase(text.trim())) {
        return c;
      }
    }
    throw new UserError("vote: '" + text + "' is not for, against or abstain");
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    BigInteger proposalId = GovSupport.proposalId(id);
    Choice choice = choice(choiceText);
    try (VerinferChain wallet = chain.connect()) {
      Governance g = wallet.governance();
      Governance.Proposal p = GovSupport.find(g, proposalId);
      Governance.Status before = g.status(proposalId);
      // a vote lands in the next block: a proposal whose snapshot is the current block opens then
      boolean opensNext =
          before.state() == Governance.State.PENDING && before.snapshot() <= before.clock();
      if (before.state() != Governance.State.ACTIVE && !opensNext) {
        String next = GovSupport.next(p, before, GovSupport.chainTime(wallet));
        throw new UserError(
            "proposal "
                + p.idText()
                + " is "
                + GovSupport.state(before.state())
                + ", not Active: nothing to vote on"
                + (next.isEmpty() ? "" : "; " + next));
      }
      if (g.votes(wallet.account()).isZero()
          && g.delegateOf(wallet.account()).equals(io.verinfer.protocol.Address.ZERO)) {
        out.println(
            "note: "
                + wallet.account().value()
                + " has delegated to nobody, so its vote weighs 0 (`verinfer gov delegate`"
                + " counts for later proposals)");
      }
      g.vote(proposalId, choice.support, reason);
      Governance.Status after = g.status(proposalId);
      out.println(
          "voted "
              + choice.name().toLowerCase(java.util.Locale.ROOT)
              + " on proposal "
              + p.idText()
              + " as "
              + wallet.account().value());
      out.println(
          "  tally   for "
              + after.forVotes().toTokens()
              + " VRF, against "
              + after.againstVotes().toTokens()
              + " VRF, abstain "
              + after.abstainVotes().toTokens()
              + " VRF");
      out.println(
          "  quorum  "
              + after.quorum().toTokens()
              + " VRF (for + abstain) "
              + (after.quorumReached() ? "reached" : "not reached yet"));
      out.println("  voting ends after block " + after.deadline() + " (now " + after.clock() + ")");
      out.flush();
    }
    return 0;
  }
}
