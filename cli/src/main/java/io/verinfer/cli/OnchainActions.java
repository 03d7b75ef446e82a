package io.verinfer.cli;

import io.verinfer.chain.Deployment;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.facade.CoordinatorHistory;
import io.verinfer.chain.facade.CoordinatorHistory.Delivered;
import io.verinfer.chain.facade.CoordinatorHistory.Proposed;
import io.verinfer.chain.facade.CoordinatorHistory.Request;
import io.verinfer.chain.facade.DisputeManagerFacade;
import io.verinfer.chain.tx.TxResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * What anyone may do to a request once it stands still: {@code onchain settle}, {@code cancel},
 * {@code reassign} and {@code challenge}. Each reads the request's latest ticket (and input, and
 * proposed or delivered output) from the coordinator's logs, sends one transaction from the wallet,
 * and prints the request's state after it; a revert prints the contract's error and exits 2.
 */
final class OnchainActions {
  private OnchainActions() {}

  /** The request id, the wallet, and printing the outcome. */
  abstract static class Action implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ID", description = "The request id.")
    long id;

    @Mixin ChainOptions chain;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
      PrintWriter out = spec.commandLine().getOut();
      Deployment d = chain.deployment();
      try (VerinferChain wallet = VerinferChain.connect(d, chain.credentials(d))) {
        CoordinatorHistory history =
            new CoordinatorHistory(wallet.web3j(), wallet.coordinator().address());
        Request request = OnchainCommand.find(wallet, history, id);
        act(wallet, request, out);
        Request after = OnchainCommand.find(wallet, history, id);
        OnchainReport report =
            new OnchainReport(after, history.latestBlockTime(), history.output(after));
        out.println("request " + id + ": " + report.stateLine());
        out.flush();
      }
      return 0;
    }

    /** Sends the action's transaction(s) and prints what they did. */
    abstract void act(VerinferChain wallet, Request request, PrintWriter out)
        throws InterruptedException;

    static void printTx(PrintWriter out, TxResult tx) {
      out.println("  tx " + tx.hash() + " (block " + tx.blockNumber() + ")");
    }

    /** The proposed answer of an optimistic request. */
    static Proposed proposed(Request request) {
      return request
          .last(Proposed.class)
          .orElseThrow(
              () ->
                  new UserError(
                      "request "
                          + request.id()
                          + " has no proposed answer (only an optimistic request's fulfil"
                          + " proposes one; it is "
                          + request.state().toString().toLowerCase(java.util.Locale.ROOT)
                          + ")"));
    }
  }

  @Command(
      name = "settle",
      mixinStandardHelpOptions = true,
      description =
          "Deliver an optimistic answer whose challenge window closed (or whose dispute cleared"
              + " it), or reject it after a lost dispute; anyone may.")
  static final class Settle extends Action {
    @Override
    void act(VerinferChain wallet, Request request, PrintWriter out) {
      Proposed p = proposed(request);
      out.println("settling request " + id + " (answer proposed in block " + p.block() + ")");
      printTx(out, wallet.coordinator().settle(id, request.ticket(), p.output()));
    }
  }

  @Command(
      name = "cancel",
      mixinStandardHelpOptions = true,
      description =
          "Take back the reserve of your request nobody answered by its deadline (requester only).")
  static final class Cancel extends Action {
    @Override
    void act(VerinferChain wallet, Request request, PrintWriter out) {
      out.println(
          "cancelling request "
              + id
              + " (reserve "
              + OnchainReport.vrf(request.ticket().fee())
              + ")");
      printTx(out, wallet.coordinator().cancel(id, request.ticket()));
    }
  }

  @Command(
      name = "reassign",
      mixinStandardHelpOptions = true,
      description =
          "Hand a request nobody answered by its deadline to another eligible provider; anyone"
              + " may.")
  static final class Reassign extends Action {
    @Override
    void act(VerinferChain wallet, Request request, PrintWriter out) {
      out.println(
          "reassigning request " + id + " away from " + request.ticket().provider().value());
      printTx(
          out, wallet.coordinator().reassign(id, request.ticket(), request.requested().input()));
    }
  }

  @Command(
      name = "challenge",
      mixinStandardHelpOptions = true,
      description =
          "Dispute an optimistic answer within its challenge window, or a delivered none-mode"
              + " answer within the window after its delivery: pays the dispute bond, then draws"
              + " the committee once the next block is mined. A guilty verdict slashes the"
              + " provider; a delivered answer's fee is not refunded.")
  static final class Challenge extends Action {
    @Option(
        names = "--no-draw",
        description = "Do not wait for the anchor block to draw the committee.")
    boolean noDraw;

    @Option(
        names = "--draw-timeout",
        defaultValue = "PT2M",
        description =
            "How long to wait for the anchor block (ISO-8601, default: ${DEFAULT-VALUE}).")
    Duration drawTimeout;

    @Override
    void act(VerinferChain wallet, Request request, PrintWriter out) throws InterruptedException {
      Optional<Delivered> delivered = request.last(Delivered.class);
      Proposed p = delivered.isPresent() ? null : proposed(request);
      DisputeManagerFacade disputes = wallet.disputes();
      var bond = wallet.params().disputeParams().disputeBond();
      out.println("approving the dispute bond: " + OnchainReport.vrf(bond));
      wallet.token().approve(disputes.address(), bond);
      byte[] input = request.requested().input();
      long disputeId =
          delivered.isPresent()
              ? wallet
                  .coordinator()
                  .disputeDelivered(
                      id,
                      request.ticket(),
                      delivered.get().disputeUntil(),
                      input,
                      delivered.get().output())
              : wallet.coordinator().challenge(id, request.ticket(), input, p.output());
      out.println("dispute " + disputeId + " opened over request " + id);
      if (noDraw) {
        out.println("draw its committee after the next block: anyone may call drawCommittee");
        return;
      }
      long anchor = disputes.dispute(disputeId).anchorBlock();
      long deadline = System.nanoTime() + drawTimeout.toNanos();
      // Bounded: waits at most drawTimeout for the chain to pass the anchor block.
      while (latestBlock(wallet) <= anchor) {
        if (System.nanoTime() > deadline) {
          throw new UserError(
              "dispute "
                  + disputeId
                  + " is open, but block "
                  + anchor
                  + " was not mined within "
                  + drawTimeout
                  + "; draw its committee later (anyone may call drawCommittee)");
        }
        Thread.sleep(OnchainCommand.POLL.toMillis());
      }
      printTx(out, disputes.drawCommittee(disputeId));
      var drawn = disputes.dispute(disputeId);
      if (drawn.committee().isEmpty()) {
        out.println(
            "no committee could judge dispute "
                + disputeId
                + " ("
                + drawn.verdicts()
                + "): fewer than 3 candidates in the stake snapshot, or the draw lapsed");
        return;
      }
      StringBuilder members = new StringBuilder();
      for (int i = 0; i < drawn.committee().size(); i++) {
        members.append(i == 0 ? "" : ", ").append(drawn.committee().get(i).value());
        members.append(" (").append(drawn.memberSeats().get(i)).append(" seat");
        members.append(drawn.memberSeats().get(i) == 1 ? ")" : "s)");
      }
      out.println("committee drawn: " + members + " (they re-execute)");
    }

    private static long latestBlock(VerinferChain wallet) {
      try {
        return wallet.web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
      } catch (IOException e) {
        throw new UncheckedIOException("eth_blockNumber failed", e);
      }
    }
  }
}
