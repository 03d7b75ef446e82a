package io.verinfer.cli;

import io.verinfer.chain.Deployment;
import io.verinfer.chain.VerinferChain;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code verinfer doctor}: checks what Verinfer needs and says how to fix what is wrong. */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description = "Check this machine and wallet.")
public final class DoctorCommand implements Callable<Integer> {
  @Mixin ChainOptions chain;

  @Option(
      names = "--store",
      defaultValue = ".verinfer/store",
      description = "Model store to check.")
  Path store;

  private int problems;

  @Override
  public Integer call() {
    int java = Runtime.version().feature();
    check(
        java >= 21,
        "JDK " + java,
        "Verinfer needs JDK 21 or newer; ./verinfer picks one from /usr/lib/jvm");
    String node = run("node", "--version");
    check(
        node != null,
        "Node.js " + (node == null ? "missing" : node),
        "install Node.js 18+ (the devnet chain runs on it): apt-get install nodejs npm");
    check(
        Files.isDirectory(Path.of("contracts", "node_modules", "hardhat"))
            || Files.isDirectory(
                Path.of(
                    System.getProperty("verinfer.root", "."),
                    "contracts",
                    "node_modules",
                    "hardhat")),
        "contracts toolchain (hardhat, solc) installed",
        "run: bash contracts/scripts/build.sh");
    check(
        !Files.exists(store) || Files.isWritable(store),
        "model store " + store + " writable",
        "fix the permissions of " + store);
    if (!Files.isRegularFile(chain.deployment)) {
      check(
          false,
          "deployment file " + chain.deployment,
          "start a devnet (./verinfer devnet) or pass --deployment FILE");
    } else {
      Deployment d = chain.deployment(); // with --rpc applied
      try (VerinferChain c = chain.connectReadOnly()) {
        long block = c.web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
        check(
            true,
            "RPC " + d.rpcUrl() + " answers (chain " + d.chainId() + ", block " + block + ")",
            "");
        if (chain.hasWallet()) {
          Address me = c.account();
          TokenAmount balance = c.token().balanceOf(me);
          check(true, "wallet " + me + " holds " + balance.toTokens() + " VRF", "");
          TokenAmount stake = c.providers().stakeOf(me);
          TokenAmount min = c.params().minProviderStake();
          System.out.println(
              "  info  stake "
                  + stake.toTokens()
                  + " VRF (providers need "
                  + min.toTokens()
                  + "); deposit "
                  + c.channels().depositOf(me).toTokens()
                  + " VRF");
        } else {
          System.out.println(
              "  info  no wallet given (--keystore FILE or --dev-account N): wallet checks skipped");
        }
      } catch (Exception e) {
        check(
            false,
            "RPC " + d.rpcUrl(),
            "the chain does not answer (" + e.getMessage() + "): is the devnet running?");
      }
    }
    System.out.println(problems == 0 ? "all good" : problems + " problem(s) found");
    return problems == 0 ? 0 : 1;
  }

  private void check(boolean ok, String what, String fix) {
    System.out.println((ok ? "  ok    " : "  FAIL  ") + what + (ok ? "" : "\n        fix: " + fix));
    if (!ok) {
      problems++;
    }
  }

  private static String run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
    } catch (Exception e) {
      return null;
    }
  }
}
