package io.verinfer.cli;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.gov.Governance;
import io.verinfer.protocol.Address;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gov delegate [ADDRESS]}: who votes with the wallet's VRF. */
@Command(
    name = "delegate",
    mixinStandardHelpOptions = true,
    description = {
      "Delegate your VRF's votes to ADDRESS (default: yourself, to vote directly).",
      "Tokens vote only once delegated; votes count from the next block, so for proposals made"
          + " after it."
    })
final class GovDelegate implements Callable<Integer> {
  private static final Pattern HEX_ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "ADDRESS",
      description = "Whom to delegate to (default: the wallet itself).")
  String to;

  @Mixin ChainOptions chain;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (to != null && !HEX_ADDRESS.matcher(to.trim()).matches()) {
      throw new UserError("ADDRESS: '" + to + "' is not a 0x address of 40 hex digits");
    }
    try (VerinferChain wallet = chain.connect()) {
      Governance g = wallet.governance();
      Address self = wallet.account();
      Address target = to == null ? self : Address.of(to.trim());
      Address before = g.delegateOf(self);
      out.println(
          "wallet       "
              + self.value()
              + " holds "
              + wallet.token().balanceOf(self).toTokens()
              + " VRF");
      out.println("delegate     " + name(before, self) + " → " + name(target, self));
      String votesBefore = votesLine(g, self, before, target);
      g.delegate(target);
      out.println("votes before " + votesBefore);
      out.println("votes after  " + votesLine(g, self, before, target));
      out.flush();
    }
    return 0;
  }

  private static String name(Address a, Address self) {
    if (a.equals(Address.ZERO)) {
      return "nobody";
    }
    return a.equals(self) ? a.value() + " (yourself)" : a.value();
  }

  private static String votesLine(Governance g, Address self, Address before, Address target) {
    StringBuilder b = new StringBuilder(self.value() + " " + g.votes(self).toTokens() + " VRF");
    for (Address other : new Address[] {before, target}) {
      if (!other.equals(self) && !other.equals(Address.ZERO) && b.indexOf(other.value()) < 0) {
        b.append(", ")
            .append(other.value())
            .append(' ')
            .append(g.votes(other).toTokens())
            .append(" VRF");
      }
    }
    return b.toString();
  }
}
