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
                NodeServer.Options.loopback(),
                EngineConfig.defaults(),
                false,
                paid),
            s -> {});
    System.out.println("READY " + node.baseUrl());
    Thread.currentThread().join(); // until killed
  }
}
