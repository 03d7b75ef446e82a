package io.verinfer.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.gov.GovParam;
import io.verinfer.chain.gov.GovValue;
import io.verinfer.chain.gov.Governance;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gov params}: every governed parameter's value and bounds. */
@Command(
    name = "params",
    mixinStandardHelpOptions = true,
    description = {
      "Every parameter governance may change (the NAME of `gov propose --set NAME=VALUE`) with"
          + " its current value, its holder contract and the bounds the contract enforces; then"
          + " the governor's settings and the timelock's delay.",
      "A proposal outside the bounds passes the vote and then reverts at execution, changing"
          + " nothing."
    })
final class GovParams implements Callable<Integer> {
  @Option(names = "--json", description = "Print JSON for machines.")
  boolean json;

  @Mixin ChainOptions chain;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws JsonProcessingException {
    PrintWriter out = spec.commandLine().getOut();
    try (VerinferChain reader = chain.connectReadOnly()) {
      Governance g = reader.governance();
      var d = reader.deployment();
      long clock = g.clock();
      long delay = g.timelockDelaySeconds();
      var threshold = g.proposalThreshold();
      BigInteger quorumBps = g.current(GovParam.QUORUM_BPS);
      var supply = reader.token().totalSupply();
      var quorum =
          io.verinfer.protocol.TokenAmount.of(
              supply.baseUnits().multiply(quorumBps).divide(BigInteger.valueOf(10_000)));
      if (json) {
        ObjectNode root = GovStatus.JSON.createObjectNode();
        ArrayNode params = root.putArray("params");
        for (GovParam p : GovParam.values()) {
          BigInteger v = g.current(p);
          params
              .addObject()
              .put("key", p.key)
              .put("value", v.toString())
              .put("formatted", GovValue.format(p, v))
              .put("bounds", p.bounds)
              .put("contract", p.holder.contract)
              .put("setter", p.setter);
        }
        root.putObject("governor")
            .put("address", g.governorAddress().value())
            .put("timelock", g.timelockAddress().value())
            .put("treasury", d.address("VerinferTreasury"))
            .put("currentBlock", clock)
            .put("proposalThreshold", threshold.baseUnits().toString())
            .put("quorumBps", quorumBps.toString())
            .put("quorumNow", quorum.baseUnits().toString())
            .put("timelockDelaySeconds", delay);
        out.println(GovStatus.JSON.writeValueAsString(root));
        out.flush();
        return 0;
      }
      out.printf("%-20s %-28s %-16s %s%n", "NAME", "VALUE", "CONTRACT", "BOUNDS");
      for (GovParam p : GovParam.values()) {
        out.printf(
            "%-20s %-28s %-16s %s%n",
            p.key, GovValue.format(p, g.current(p)), p.holder.contract, p.bounds);
      }
      out.println();
      out.println("governor  " + g.governorAddress().value() + " (block clock, now " + clock + ")");
      out.println(
          "  voting delay       "
              + GovValue.format(GovParam.VOTING_DELAY, g.current(GovParam.VOTING_DELAY)));
      out.println(
          "  voting period      "
              + GovValue.format(GovParam.VOTING_PERIOD, g.current(GovParam.VOTING_PERIOD)));
      out.println("  proposal threshold " + threshold.toTokens() + " VRF of votes");
      out.println(
          "  quorum             "
              + GovValue.format(GovParam.QUORUM_BPS, quorumBps)
              + " of the supply = "
              + quorum.toTokens()
              + " VRF of for + abstain votes now");
      out.println(
          "timelock  "
              + g.timelockAddress().value()
              + " (holds every admin power; delay "
              + GovValue.format(GovParam.TIMELOCK_DELAY, BigInteger.valueOf(delay))
              + ")");
      out.println("treasury  " + d.address("VerinferTreasury"));
      out.flush();
    }
    return 0;
  }
}
