package io.verinfer.cli;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.gov.GovAction;
import io.verinfer.chain.gov.GovParam;
import io.verinfer.chain.gov.GovValue;
import io.verinfer.chain.gov.Governance;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gov propose}: one proposal of parameter changes, treasury grants and delistings. */
@Command(
    name = "propose",
    mixinStandardHelpOptions = true,
    description = {
      "Propose parameter changes, treasury grants and delistings as one proposal.",
      "",
      "Prints each change with the value it replaces, then the proposal id and its voting"
          + " blocks. Refused before anything is sent when a value does not parse or your votes"
          + " are below the proposal threshold (`verinfer gov delegate` first).",
      "",
      "Example: verinfer gov propose --dev-account 2 --set slashBps=15% --set"
          + " withdrawDelay=2h --description \"Raise the slash to 15%\""
    })
final class GovPropose implements Callable<Integer> {
  private static final Pattern HEX_ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");

  @Option(
      names = "--skip-simulation",
      description =
          "Propose even if a call reverts when tried alone as the timelock against today's values"
              + " (it would then revert at execution, unless an earlier call makes it valid).")
  boolean skipSimulation;

  @Option(
      names = "--set",
      paramLabel = "NAME=VALUE",
      description =
          "Change a parameter (repeatable). Names and bounds: `verinfer gov params`. Values:"
              + " basis points 1500 or 15%; durations 90s, 10m, 2h, 7d; VRF 150, 150VRF or"
              + " 1000wei.")
  List<String> sets = new ArrayList<>();

  @Option(
      names = "--grant",
      paramLabel = "ADDRESS=AMOUNT[:MEMO]",
      description = "Pay AMOUNT VRF (150, 150VRF or 1000wei) from the treasury (repeatable).")
  List<String> grants = new ArrayList<>();

  @Option(
      names = "--delist",
      paramLabel = "MODEL_ID[:REASON]",
      description = "Take a model off the market (repeatable).")
  List<String> delistings = new ArrayList<>();

  @Option(
      names = "--description",
      required = true,
      description =
          "What the proposal does and why; its first line is the title `gov status` lists.")
  String description;

  @Mixin ChainOptions chain;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (description.isBlank()) {
      throw new UserError("--description: a proposal needs a description");
    }
    if (sets.isEmpty() && grants.isEmpty() && delistings.isEmpty()) {
      throw new UserError("nothing to propose: give at least one --set, --grant or --delist");
    }
    try (VerinferChain wallet = chain.connect()) {
      Governance g = wallet.governance();
      List<GovAction> actions = new ArrayList<>(changes(g));
      for (String grant : grants) {
        actions.add(grant(g, grant));
      }
      for (String delisting : delistings) {
        actions.add(delist(g, delisting));
      }
      checkThreshold(g, wallet.account());
      if (!skipSimulation) {
        List<String> problems = g.simulate(actions);
        if (!problems.isEmpty()) {
          throw new UserError(
              "this proposal would revert when executed, changing nothing; nothing was sent:\n  "
                  + String.join("\n  ", problems)
                  + (actions.size() > 1
                      ? "\n(each call is tried alone against today's values: if an earlier call of"
                          + " this proposal makes a later one valid, pass --skip-simulation)"
                      : ""));
        }
      }

      out.println("proposing " + actions.size() + " call" + (actions.size() == 1 ? "" : "s") + ":");
      for (int i = 0; i < actions.size(); i++) {
        GovAction a = actions.get(i);
        out.println("  " + (i + 1) + ". " + a.meaning() + was(g, a.meaning()));
      }
      out.flush();
      Governance.Proposal p = g.propose(actions, description);
      long delay = p.voteStart() - p.block();
      out.println("proposal " + p.idText());
      out.println("  title       " + GovSupport.title(p.description()));
      out.println("  proposer    " + p.proposer().value());
      out.println("  proposed at block " + p.block());
      out.println(
          "  voting      blocks "
              + (p.voteStart() + 1)
              + " to "
              + p.voteEnd()
              + " (opens after block "
              + p.voteStart()
              + ", "
              + GovSupport.blocks(delay)
              + " from now)");
      out.println("next:");
      out.println("  verinfer gov vote " + p.idText() + " for|against|abstain   (each voter)");
      out.println("  verinfer gov status " + p.idText());
      out.println(
          "  verinfer gov queue "
              + p.idText()
              + "   (after block "
              + p.voteEnd()
              + ", once it Succeeded)");
      out.println(
          "  verinfer gov execute "
              + p.idText()
              + "   ("
              + GovValue.format(
                  GovParam.TIMELOCK_DELAY, BigInteger.valueOf(g.timelockDelaySeconds()))
              + " after queueing)");
      out.flush();
    }
    return 0;
  }

  private List<GovAction> changes(Governance g) {
    if (sets.isEmpty()) {
      return List.of();
    }
    try {
      return g.changes(sets);
    } catch (IllegalArgumentException e) {
      String m = e.getMessage();
      throw new UserError(m.startsWith("--set") ? m : "--set " + m, e);
    }
  }

  /** " (now …)" for each parameter a set-call changes. */
  private static String was(Governance g, String meaning) {
    if (!meaning.startsWith("set ")) {
      return "";
    }
    List<String> now = new ArrayList<>();
    for (GovParam p : GovParam.values()) {
      if (Pattern.compile("(^set |, )" + Pattern.quote(p.key) + " = ").matcher(meaning).find()) {
        now.add(p.key + " = " + GovValue.format(p, g.current(p)));
      }
    }
    if (now.isEmpty()) {
      return "";
    }
    return now.size() == 1
        ? "   (now " + now.get(0).substring(now.get(0).indexOf(" = ") + 3) + ")"
        : "   (now " + String.join(", ", now) + ")";
  }

  private static GovAction grant(Governance g, String text) {
    int eq = text.indexOf('=');
    if (eq <= 0) {
      throw new UserError("--grant: '" + text + "' is not ADDRESS=AMOUNT[:MEMO]");
    }
    String to = text.substring(0, eq).trim();
    if (!HEX_ADDRESS.matcher(to).matches()) {
      throw new UserError("--grant: '" + to + "' is not a 0x address of 40 hex digits");
    }
    String rest = text.substring(eq + 1);
    int colon = rest.indexOf(':');
    String amountText = (colon < 0 ? rest : rest.substring(0, colon)).trim();
    String memo = colon < 0 ? "" : rest.substring(colon + 1).trim();
    TokenAmount amount = vrf(amountText);
    if (amount.isZero()) {
      throw new UserError("--grant: the amount for " + to + " must be above 0");
    }
    return g.calls().grant(Address.of(to), amount, memo);
  }

  private static TokenAmount vrf(String text) {
    String lower = text.toLowerCase(Locale.ROOT);
    try {
      if (lower.endsWith("wei")) {
        return TokenAmount.of(new BigInteger(lower.substring(0, lower.length() - 3).trim()));
      }
      if (lower.endsWith("vrf")) {
        lower = lower.substring(0, lower.length() - 3).trim();
      }
      return TokenAmount.ofTokens(lower);
    } catch (IllegalArgumentException e) {
      throw new UserError(
          "--grant: '" + text + "' is not a VRF amount (e.g. 150, 0.5VRF or 1000wei)", e);
    }
  }

  private static GovAction delist(Governance g, String text) {
    int colon = text.indexOf(':');
    String idText = (colon < 0 ? text : text.substring(0, colon)).trim();
    String reason = colon < 0 ? "" : text.substring(colon + 1).trim();
    if (!idText.matches("[0-9]{1,18}") || Long.parseLong(idText) < 1) {
      throw new UserError(
          "--delist: '" + idText + "' is not a model id (a number from 1, `verinfer model list`)");
    }
    return g.calls().delist(Long.parseLong(idText), reason);
  }

  private static void checkThreshold(Governance g, Address self) {
    TokenAmount threshold = g.proposalThreshold();
    TokenAmount votes = g.votes(self);
    if (votes.compareTo(threshold) >= 0) {
      return;
    }
    Address delegate = g.delegateOf(self);
    String hint =
        delegate.equals(Address.ZERO)
            ? "your tokens vote only once delegated: `verinfer gov delegate` (to yourself) first"
            : "delegate to yourself (`verinfer gov delegate`) or ask holders to delegate to you";
    throw new UserError(
        self.value()
            + " has "
            + votes.toTokens()
            + " VRF of votes, below the proposal threshold of "
            + threshold.toTokens()
            + " VRF: "
            + hint
            + " (nothing was sent)");
  }
}
