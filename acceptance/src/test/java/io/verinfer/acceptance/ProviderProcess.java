package io.verinfer.acceptance;

import io.verinfer.chain.Deployment;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.node.NodeServer;
import io.verinfer.node.PaidSettings;
import io.verinfer.node.ProviderNode;
import io.verinfer.node.payment.Settler;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.runtime.EngineConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A paid provider node in its own JVM, so a test can {@code kill -9} it. Arguments: deployment
 * file, dev account, ledger file, store dir, pack dir, price. Prints {@code READY <url>}.
 */
public final class ProviderProcess {
  private ProviderProcess() {}

  /**
   * Starts a provider JVM for dev account {@code account} with its ledger and model store under
   * {@code home}, and waits (at most 60 s) for its {@code READY} line; its output is drained.
   */
  static Process spawn(Path deploymentFile, int account, Path home, TokenAmount price)
      throws java.io.IOException {
    java.nio.file.Files.createDirectories(home);
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                javaBin,
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                "-Dverinfer.root=" + System.getProperty("verinfer.root", ".."),
                ProviderProcess.class.getName(),
                deploymentFile.toString(),
                Integer.toString(account),
                home.resolve("ledger.db").toString(),
                home.resolve("store").toString(),
                Marketplace.pack().toString(),
                price.toString())
            .redirectErrorStream(true)
            .start();
    java.io.BufferedReader out =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(
                p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    for (String line; System.nanoTime() < deadline && (line = out.readLine()) != null; ) {
      if (line.startsWith("READY ")) {
        Thread drain = new Thread(() -> out.lines().forEach(l -> {}), "provider-output");
        drain.setDaemon(true);
        drain.start();
        return p;
      }
    }
    p.destroyForcibly();
    throw new IllegalStateException("provider process for account " + account + " did not start");
  }

  public static void main(String[] args) throws InterruptedException {
    Deployment deployment = Deployment.read(Path.of(args[0]));
    TokenAmount price = TokenAmount.of(Long.parseLong(args[5]));
    PaidSettings paid =
        new PaidSettings(
            deployment,
            DevAccounts.account(Integer.parseInt(args[1])),
            Path.of(args[2]),
            Map.of(Marketplace.PACK, price),
            price,
            new Settler.Policy(
                TokenAmount.ofTokens("1000"), Duration.ofSeconds(1), 100, Duration.ofSeconds(1)));
    ProviderNode node =
        ProviderNode.start(
            new ProviderNode.Config(
                Path.of(args[3]),
                List.of(Path.of(args[4])),
                // one test client drives hundreds of calls a second from 127.0.0.1: the per-IP
                // default (500/s) would refuse what these tests measure (as in Marketplace)
                NodeServer.Options.loopback()
                    .withLimits(new NodeServer.Limits(8 * 1024, 1024, 100_000, 200_000)),
                EngineConfig.defaults(),
                false,
                paid),
            s -> {});
    System.out.println("READY " + node.baseUrl());
    Thread.currentThread().join(); // until killed
  }
}
