package io.verinfer.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.gov.GovAction;
import io.verinfer.chain.gov.Governance;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gov status [ID]}: every proposal, or one in full. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Without an id: every proposal (id, state, title). With one: its state, votes, quorum,"
          + " voting blocks, timelock ETA and what each of its calls does.",
      "States: Pending, Active, Canceled, Defeated, Succeeded, Queued, Expired, Executed."
    })
final class GovStatus implements Callable<Integer> {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "PROPOSAL_ID",
      description = "A proposal's id (default: list them all).")
  String id;

  @Option(names = "--json", description = "Print JSON for machines.")
  boolean json;

  @Mixin ChainOptions chain;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws JsonProcessingException {
    PrintWriter out = spec.commandLine().getOut();
    try (VerinferChain reader = chain.connectReadOnly()) {
      Governance g = reader.governance();
      if (id == null) {
        list(g, out);
      } else {
        one(g, GovSupport.find(g, GovSupport.proposalId(id)), GovSupport.chainTime(reader), out);
      }
      out.flush();
    }
    return 0;
  }

  private void list(Governance g, PrintWriter out) throws JsonProcessingException {
    List<Governance.Proposal> all = g.proposals();
    if (json) {
      ArrayNode array = JSON.createArrayNode();
      for (Governance.Proposal p : all) {
        array
            .addObject()
            .put("id", p.idText())
            .put("state", GovSupport.state(g.status(p.id()).state()))
            .put("title", GovSupport.title(p.description()))
            .put("proposer", p.proposer().value())
            .put("block", p.block());
      }
      out.println(JSON.writeValueAsString(JSON.createObjectNode().set("proposals", array)));
      return;
    }
    if (all.isEmpty()) {
      out.println("no proposals yet: `verinfer gov propose --set NAME=VALUE --description ...`");
      return;
    }
    for (Governance.Proposal p : all) {
      out.printf(
          "%-80s %-10s %s%n",
          p.idText(),
          GovSupport.state(g.status(p.id()).state()),
          GovSupport.title(p.description()));
    }
  }

  private void one(Governance g, Governance.Proposal p, long chainTime, PrintWriter out)
      throws JsonProcessingException {
    Governance.Status s = g.status(p.id());
    List<String> calls = g.decode(p);
    String next = GovSupport.next(p, s, chainTime);
    if (json) {
      ObjectNode root = JSON.createObjectNode();
      root.put("id", p.idText())
          .put("state", GovSupport.state(s.state()))
          .put("title", GovSupport.title(p.description()))
          .put("description", p.description())
          .put("proposer", p.proposer().value())
          .put("proposedAtBlock", p.block());
      root.putObject("votes")
          .put("for", s.forVotes().baseUnits().toString())
          .put("against", s.againstVotes().baseUnits().toString())
          .put("abstain", s.abstainVotes().baseUnits().toString())
          .put("forVrf", s.forVotes().toTokens())
          .put("againstVrf", s.againstVotes().toTokens())
          .put("abstainVrf", s.abstainVotes().toTokens());
      root.putObject("quorum")
          .put("needed", s.quorum().baseUnits().toString())
          .put("neededVrf", s.quorum().toTokens())
          .put("reached", s.quorumReached());
      root.put("snapshotBlock", s.snapshot())
          .put("deadlineBlock", s.deadline())
          .put("currentBlock", s.clock())
          .put("eta", s.eta());
      if (s.eta() != 0) {
        root.put("etaUtc", GovSupport.utc(s.eta()));
      }
      root.put("chainTime", chainTime);
      ArrayNode array = root.putArray("calls");
      for (int i = 0; i < calls.size(); i++) {
        GovAction a = p.actions().get(i);
        array
            .addObject()
            .put("target", a.target().value())
            .put("value", a.value().toString())
            .put("calldata", org.web3j.utils.Numeric.toHexString(a.calldata()))
            .put("meaning", calls.get(i));
      }
      root.put("next", next);
      out.println(JSON.writeValueAsString(root));
      return;
    }
    out.println("proposal " + p.idText());
    out.println("  title     " + GovSupport.title(p.description()));
    out.println("  state     " + GovSupport.state(s.state()));
    out.println("  proposer  " + p.proposer().value() + " at block " + p.block());
    out.println(
        "  votes     for "
            + s.forVotes().toTokens()
            + " VRF, against "
            + s.againstVotes().toTokens()
            + " VRF, abstain "
            + s.abstainVotes().toTokens()
            + " VRF");
    out.println(
        "  quorum    "
            + s.quorum().toTokens()
            + " VRF of for + abstain: "
            + (s.quorumReached() ? "reached" : "not reached"));
    out.println(
        "  voting    snapshot block "
            + s.snapshot()
            + ", deadline block "
            + s.deadline()
            + " (current block "
            + s.clock()
            + ")");
    out.println(
        "  ETA       "
            + (s.eta() == 0
                ? "not queued"
                : GovSupport.utc(s.eta())
                    + (chainTime >= s.eta()
                        ? " (passed)"
                        : " (" + (s.eta() - chainTime) + " s from the chain's latest block)")));
    out.println("  calls:");
    for (int i = 0; i < calls.size(); i++) {
      out.println("    " + (i + 1) + ". " + calls.get(i));
    }
    if (!next.isEmpty()) {
      out.println("next: " + next);
    }
  }
}
