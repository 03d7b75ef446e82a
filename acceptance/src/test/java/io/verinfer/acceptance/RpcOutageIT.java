package io.verinfer.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.Deployment;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.chain.testing.TcpProxy;
import io.verinfer.client.ClientOptions;
import io.verinfer.client.InferenceResult;
import io.verinfer.client.VerinferClient;
import io.verinfer.node.NodeServer;
import io.verinfer.node.PaidSettings;
import io.verinfer.node.ProviderNode;
import io.verinfer.node.payment.Settler;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.runtime.EngineConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chain's RPC goes away for 30 s: the provider keeps serving paid calls (it trusts the deposit
 * it last saw, the client the providers it last saw), and once the RPC is back the settler catches
 * up and redeems every call served during the outage.
 */
class RpcOutageIT {
  private static final Duration OUTAGE = Duration.ofSeconds(30);
  private static final TokenAmount PRICE = TokenAmount.of(1_000);
  @TempDir Path dir;

  @Test
  void providersServeThroughA30SecondRpcOutageAndSettlementCatchesUp() throws Exception {
    try (Marketplace market = Marketplace.open(dir);
        TcpProxy proxy = new TcpProxy(SharedDevnet.get().deployment().rpcUrl().getPort()).start()) {
      ModelId model = market.publishFraudDetect(50);
      Deployment viaProxy =
          SharedDevnet.get()
              .deployment()
              .withRpcUrl(URI.create("http://127.0.0.1:" + proxy.port() + "/"));
      PaidSettings paid =
          new PaidSettings(
              viaProxy,
              DevAccounts.account(8),
              dir.resolve("ledger.db"),
              Map.of(Marketplace.PACK, PRICE),
              PRICE,
              new Settler.Policy(
                  TokenAmount.ofTokens("1000"), Duration.ofSeconds(1), 100, Duration.ofSeconds(1)));
      try (ProviderNode node =
              ProviderNode.start(
                  new ProviderNode.Config(
                      dir.resolve("store"),
                      List.of(Marketplace.pack()),
                      NodeServer.Options.loopback(),
                      EngineConfig.defaults(),
                      false,
                      paid),
                  s -> {});
          VerinferClient client =
              VerinferClient.connect(
                  viaProxy,
                  DevAccounts.account(2),
                  dir.resolve("client"),
                  ClientOptions.defaults()
                      .withDiscoveryTtl(Duration.ofSeconds(1))
                      .withTimeout(Duration.ofSeconds(10)));
          VerinferChain direct =
              VerinferChain.connect(SharedDevnet.get().deployment(), DevAccounts.account(0))) {
        client.deposit(TokenAmount.of(10_000_000));
        int served = 0;
        for (int i = 0; i < 5; i++, served++) {
          client.infer(model, List.of(Marketplace.features(i)));
        }

        proxy.stop();
        long end = System.nanoTime() + OUTAGE.toNanos();
        int duringOutage = 0;
        while (System.nanoTime() < end) {
          InferenceResult r = client.infer(model, List.of(Marketplace.features(served)));
          assertThat(r.receipt().receipt().cumulativeCalls()).isEqualTo(served + 1);
          served++;
          duringOutage++;
          Thread.sleep(100);
        }
        assertThat(duringOutage).as("calls served while the RPC was down").isGreaterThan(20);
        Address provider = Address.of(DevAccounts.account(8).getAddress());
        assertThat(direct.channels().laneOf(client.address(), provider, model).calls())
            .as("nothing could be redeemed during the outage")
            .isLessThan(served);

        proxy.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (direct.channels().laneOf(client.address(), provider, model).calls() < served
            && System.nanoTime() < deadline) {
          Thread.sleep(500);
        }
        var lane = direct.channels().laneOf(client.address(), provider, model);
        assertThat(lane.calls()).as("settlement caught up").isEqualTo(served);
        assertThat(lane.amount()).isEqualTo(PRICE.times(served));
        assertThat(node.settler()).isPresent();
      }
    }
  }
}
