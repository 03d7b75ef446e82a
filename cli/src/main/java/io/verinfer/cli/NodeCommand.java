package io.verinfer.cli;

import io.verinfer.chain.Deployment;
import io.verinfer.node.NodeServer;
import io.verinfer.node.ProviderNode;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.packs.DemoPacks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code verinfer node}: a provider node serving model packs over the Open Inference Protocol,
 * {@code /v1/embeddings}, {@code /ipfs/{cid}} and {@code /health}. Paid calls arrive with the
 * payment issue; today {@code --unpaid} serves for free, and only against a devnet deployment.
 */
@Command(
    name = "node",
    mixinStandardHelpOptions = true,
    description = "Run a provider node that serves model packs.")
public final class NodeCommand implements Callable<Integer> {
  private static final long DEVNET_CHAIN_ID = 31_337;

  @Option(
      names = "--pack",
      description = "A model pack directory to serve (repeatable; default: the demo packs).")
  List<Path> packs;

  @Option(
      names = "--packs-dir",
      defaultValue = ".verinfer/packs",
      description = "Where the demo packs are built (default: ${DEFAULT-VALUE}).")
  Path packsDir;

  @Option(
      names = "--store",
      defaultValue = ".verinfer/store",
      description = "Local model store (default: ${DEFAULT-VALUE}).")
  Path storeDir;

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "Port to listen on, 0 for any (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--unpaid",
      description = "Serve without payment. Devnet only: needs a devnet deployment file.")
  boolean unpaid;

  @Option(
      names = "--max-batch",
      defaultValue = "32",
      description = "Most rows per micro-batch; 1 disables batching (default: ${DEFAULT-VALUE}).")
  int maxBatch;

  @Option(
      names = "--batch-wait-ms",
      defaultValue = "2",
      description = "Longest wait for a batch to fill (default: ${DEFAULT-VALUE}).")
  long batchWaitMs;

  @Option(names = "--threads", description = "Intra-op threads per model session (default: 1).")
  Integer threads;

  @Option(names = "--gpu", description = "Use the CUDA execution provider when this build has one.")
  boolean gpu;

  @Mixin ChainOptions chain;

  @Override
  public Integer call() throws InterruptedException {
    if (unpaid) {
      Deployment d = chain.deployment();
      if (d.chainId() != DEVNET_CHAIN_ID) {
        throw new UserError(
            "--unpaid is only allowed on a devnet (chain id 31337), not chain " + d.chainId());
      }
    }
    EngineConfig defaults = EngineConfig.defaults();
    EngineConfig engine =
        new EngineConfig(
            threads != null ? threads : defaults.intraOpThreads(),
            defaults.maxConcurrentRuns(),
            defaults.sessionCacheBytes(),
            maxBatch,
            Duration.ofMillis(batchWaitMs),
            gpu);
    List<Path> served =
        packs != null && !packs.isEmpty() ? packs : DemoPacks.ensure(packsDir, this::say);
    ProviderNode node =
        ProviderNode.start(
            new ProviderNode.Config(
                storeDir, served, new NodeServer.Options(host, port, 16L << 20), engine, unpaid),
            this::say);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  node.close();
                  stopped.countDown();
                },
                "node-shutdown"));
    say(
        "node listening on http://"
            + host
            + ":"
            + node.port()
            + (unpaid ? " (UNPAID: devnet only)" : ""));
    say("execution provider: " + node.engine().executionProvider());
    say("try: curl -s http://" + host + ":" + node.port() + "/v2/models/fraud-detect");
    stopped.await();
    return 0;
  }

  private void say(String line) {
    System.out.println("• " + line);
  }
}
