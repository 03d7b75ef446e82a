package io.verinfer.cli;

import io.verinfer.chain.Deployment;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.devnet.DevnetSupervisor;
import io.verinfer.chain.devnet.HardhatNode;
import io.verinfer.chain.gov.GovParam;
import io.verinfer.chain.gov.Governance;
import io.verinfer.protocol.TokenAmount;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code verinfer devnet}: the embedded default. Starts a local Hardhat Network on 127.0.0.1,
 * deploys every Verinfer contract, funds the test accounts, writes the state file and runs until
 * Ctrl-C, then stops the node (no orphan process).
 */
@Command(
    name = "devnet",
    mixinStandardHelpOptions = true,
    description = "Start a local devnet chain with every Verinfer contract deployed.")
public final class DevnetCommand implements Callable<Integer> {
  @Option(
      names = "--state",
      defaultValue = ".verinfer/devnet.json",
      description = "Where to write the state file for the examples (default: ${DEFAULT-VALUE}).")
  Path stateFile;

  @Option(
      names = "--contracts-dir",
      description = "The contracts/ directory (default: found from the working directory).")
  Path contractsDir;

  @Option(
      names = "--start-timeout",
      defaultValue = "PT60S",
      description =
          "How long to wait for the chain to answer (ISO-8601, default: ${DEFAULT-VALUE}).")
  Duration startTimeout;

  @Option(
      names = "--chain-only",
      description = "Start only the chain and the contracts (no models, providers or consumer).")
  boolean chainOnly;

  @Option(
      names = "--work-dir",
      defaultValue = ".verinfer/devnet",
      description =
          "Where the stack keeps packs, model store and provider ledgers (default: ${DEFAULT-VALUE}).")
  Path workDir;

  @Option(
      names = "--gateway-port",
      defaultValue = "8080",
      description = "Port of the local gateway (default: ${DEFAULT-VALUE}; 0 for any free port).")
  int gatewayPort;

  @Option(
      names = "--plain-http",
      description =
          "Providers serve plain HTTP instead of HTTPS with their pinned keys (the devnet's"
              + " clients accept both).")
  boolean plainHttp;

  @Option(
      names = "--exit-after-start",
      description = "Stop again right after everything is up (for smoke tests).")
  boolean exitAfterStart;

  @Override
  public Integer call() throws InterruptedException {
    PrintStream out = System.out;
    if (chainOnly) {
      DevnetSupervisor.Options options =
          new DevnetSupervisor.Options(
              contractsDir != null ? contractsDir : HardhatNode.contractsDir(),
              workDir.resolve("deployment.json"),
              startTimeout,
              DevnetSupervisor.Options.defaults().fundEach());
      DevnetSupervisor devnet = DevnetSupervisor.start(options, line -> out.println("• " + line));
      return runUntilStopped(out, devnet, () -> printSummary(out, devnet.deployment()));
    }
    DevnetStack stack =
        new DevnetStack(
            workDir, stateFile, gatewayPort, plainHttp, line -> out.println("• " + line));
    return runUntilStopped(
        out,
        stack,
        () -> {
          printSummary(out, stack.deployment());
          DevnetStack.State s = stack.state();
          out.println("Models:    " + s.models());
          for (var p : s.providers()) {
            out.println(
                "Provider:  "
                    + p.get("address")
                    + " at "
                    + p.get("endpoint")
                    + (p.containsKey("tlsPin") ? " (TLS key " + p.get("tlsPin") + ")" : ""));
          }
          out.println(
              "Consumer:  " + s.consumer().get("address") + " (dev account 2, 1000 VRF deposited)");
          out.println("Gateway:   " + s.gateway() + "  (OpenAI base URL: " + s.gateway() + "/v1)");
          out.println(
              "  curl -s "
                  + s.gateway()
                  + "/v1/embeddings -H 'content-type: application/json'"
                  + " -d '{\"model\":\"minilm-embed\",\"input\":\"hello\"}'");
          out.println();
          out.println(
              "Every URL, address and key the examples need is in " + stateFile.toAbsolutePath());
        });
  }

  /** Prints the summary, then runs until Ctrl-C (or at once with --exit-after-start). */
  private int runUntilStopped(PrintStream out, AutoCloseable running, Runnable summary)
      throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              out.println("stopping the devnet…");
              closeQuietly(running);
              stopped.countDown();
            },
            "devnet-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    summary.run();
    if (exitAfterStart) {
      Runtime.getRuntime().removeShutdownHook(hook);
      closeQuietly(running);
      return 0;
    }
    out.println("Running. Press Ctrl-C to stop.");
    stopped.await();
    return 0;
  }

  private static void closeQuietly(AutoCloseable running) {
    try {
      running.close();
    } catch (Exception e) {
      System.err.println("stopping failed: " + e);
    }
  }

  private void printSummary(PrintStream out, Deployment d) {
    out.println();
    out.println("Verinfer devnet is up");
    out.println("  JSON-RPC   " + d.rpcUrl() + "   (chain id " + d.chainId() + ")");
    d.contracts().forEach((name, address) -> out.printf("  %-16s %s%n", name, address));
    out.println("  deployer   " + d.admin() + "   (dev account 0: holds no role, the faucet)");
    out.println(
        "  treasury   " + d.treasury() + "   (VerinferTreasury: only a proposal pays from it)");
    out.println("  accounts   2–19 funded with VRF; keys are Hardhat's public test keys");
    out.println(
        "  deployment " + d.rpcUrl() + " → " + workDir.resolve("deployment.json").toAbsolutePath());
    out.println();
    out.println("Try it:");
    out.println(
        "  curl -s -X POST -H 'content-type: application/json' "
            + "--data '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\",\"params\":[]}' "
            + d.rpcUrl());
    printGovernance(out, d);
  }

  /** The governance section: who holds the admin powers and a proposal to run in a minute. */
  private void printGovernance(PrintStream out, Deployment d) {
    try (VerinferChain reader = VerinferChain.connect(d, DevAccounts.account(2))) {
      Governance g = reader.governance();
      long delayBlocks = g.current(GovParam.VOTING_DELAY).longValueExact();
      long periodBlocks = g.current(GovParam.VOTING_PERIOD).longValueExact();
      long timelock = g.timelockDelaySeconds();
      BigInteger quorumBps = g.current(GovParam.QUORUM_BPS);
      TokenAmount quorum =
          TokenAmount.of(
              reader
                  .token()
                  .totalSupply()
                  .baseUnits()
                  .multiply(quorumBps)
                  .divide(BigInteger.valueOf(10_000)));
      TokenAmount each =
          reader
              .token()
              .balanceOf(io.verinfer.protocol.Address.of(DevAccounts.account(2).getAddress()));
      long voters =
          each.isZero()
              ? 0
              : quorum
                  .baseUnits()
                  .add(each.baseUnits())
                  .subtract(BigInteger.ONE)
                  .divide(each.baseUnits())
                  .longValueExact();
      out.println();
      out.println("Governance (the timelock holds every admin power; parameters change by vote)");
      out.println("  VerinferGovernor " + d.address("VerinferGovernor"));
      out.println("  VerinferTimelock " + d.address("VerinferTimelock"));
      out.println("  VerinferTreasury " + d.address("VerinferTreasury"));
      out.println(
          "  voting delay "
              + GovSupport.blocks(delayBlocks)
              + ", voting period "
              + GovSupport.blocks(periodBlocks)
              + ", timelock "
              + timelock
              + " s, quorum "
              + quorumBps
              + " bps = "
              + quorum.toTokens()
              + " VRF ("
              + voters
              + " demo accounts)");
      out.println(
          "  accounts 2–19 hold " + each.toTokens() + " VRF each and are already self-delegated");
      // the gov commands' default deployment file is this default work dir's
      String dep =
          workDir.equals(Path.of(".verinfer/devnet"))
              ? ""
              : " --deployment " + workDir.resolve("deployment.json");
      out.println("Change a parameter in about a minute:");
      out.println("  verinfer gov params" + dep);
      out.println(
          "  verinfer gov propose --set slashBps=1500 --description \"Raise the slash to 15%\""
              + " --dev-account 2"
              + dep);
      StringBuilder accounts = new StringBuilder();
      for (int i = 0; i < Math.max(voters, 1); i++) {
        accounts.append(i == 0 ? "" : " ").append(2 + i);
      }
      out.println(
          "  for a in "
              + accounts
              + "; do verinfer gov vote ID for --dev-account $a"
              + dep
              + "; done");
      if (chainOnly) {
        out.println(
            "  # this devnet mines only on transactions: mine past the voting period with"
                + "\n  curl -s -X POST -H 'content-type: application/json' --data"
                + " '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"hardhat_mine\",\"params\":[\"0x"
                + Long.toHexString(periodBlocks + 1)
                + "\"]}' "
                + d.rpcUrl());
      } else {
        out.println(
            "  # blocks come every 2 s: the vote closes about "
                + (periodBlocks + 1) * 2
                + " s after the proposal");
      }
      out.println("  verinfer gov status ID" + dep + "   # Succeeded once voting closed");
      out.println("  verinfer gov queue ID --dev-account 2" + dep);
      out.println(
          "  verinfer gov execute ID --dev-account 2" + dep + "   # " + timelock + " s later");
    } catch (RuntimeException e) {
      out.println("(governance summary unavailable: " + e.getMessage() + ")");
    }
  }
}
