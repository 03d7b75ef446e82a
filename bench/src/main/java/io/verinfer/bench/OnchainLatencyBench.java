package io.verinfer.bench;

import io.verinfer.chain.FraudScoreExample;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.bindings.FraudScoreConsumer;
import io.verinfer.chain.bindings.InferenceCoordinator;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.devnet.DevnetSupervisor;
import io.verinfer.chain.facade.InferenceCoordinatorFacade;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Requested;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.node.ProviderNode;
import io.verinfer.node.onchain.OnchainSettings;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.web3j.abi.EventEncoder;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.tx.gas.DefaultGasProvider;
import org.web3j.utils.Numeric;

/**
 * Latency of on-chain inference from request to callback, in blocks and seconds: a devnet mining
 * one block every {@code blockMs} (automine off, like a live chain), one paid provider node serving
 * {@code fraud-detect} with its request watcher at {@code confirmations}, and the {@code
 * FraudScoreConsumer} example contract asked by {@code callers} accounts, each waiting for its
 * callback before the next request.
 *
 * <pre>
 *   bench/run-onchain.sh [requests] [callers] [blockMs] [confirmations]
 * </pre>
 */
public final class OnchainLatencyBench {
  private static final Duration CALLBACK_TIMEOUT = Duration.ofMinutes(2);

  private OnchainLatencyBench() {}

  /** One request as measured: its id, the blocks of request and callback, the seconds between. */
  private record Sample(long id, long requestBlock, double seconds) {}

  public static void main(String[] args) throws Exception {
    int requests = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int callers = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    long blockMs = args.length > 2 ? Long.parseLong(args[2]) : 1_000;
    long confirmations = args.length > 3 ? Long.parseLong(args[3]) : 2;
    Path work = Files.createTempDirectory("verinfer-onchain");
    try (DevnetSupervisor devnet =
        DevnetSupervisor.start(DevnetSupervisor.Options.defaults(), s -> {})) {
      Path pack = Packs.pack("fraud-detect");
      ModelId model = Packs.publish(devnet.deployment(), "fraud-detect");
      try (ProviderNode node =
              PaidPathLoad.provider(
                  devnet,
                  work,
                  pack,
                  8,
                  false,
                  TokenAmount.of(1_000),
                  io.verinfer.node.faults.FaultInjection.none(),
                  p ->
                      p.withOnchainRequests(
                          OnchainSettings.besideLedger(p.ledgerFile())
                              .withConfirmations(confirmations)
                              .withPollInterval(Duration.ofMillis(200))));
          VerinferChain owner =
              VerinferChain.connect(devnet.deployment(), DevAccounts.account(2))) {
        System.err.println("provider node " + node.baseUrl() + " serving fraud-detect as " + model);
        InferenceCoordinatorFacade coordinator = owner.coordinator();
        String consumer =
            FraudScoreExample.deploy(
                    owner, model, TokenAmount.of(10_000), TokenAmount.ofTokens("1000"))
                .getContractAddress();
        long startBlock = owner.web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
        devnet.mineEvery(Duration.ofMillis(blockMs));
        devnet.automine(false);

        List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService pool = Executors.newFixedThreadPool(callers)) {
          List<Future<?>> running = new ArrayList<>();
          for (int c = 0; c < callers; c++) {
            int caller = c;
            int share = requests / callers + (c < requests % callers ? 1 : 0);
            running.add(
                pool.submit(
                    () -> {
                      run(devnet, consumer, 3 + caller, share, caller, samples);
                      return null;
                    }));
          }
          for (Future<?> f : running) {
            f.get();
          }
        }
        report(owner, coordinator, startBlock, samples, blockMs, confirmations, callers);
      }
    }
  }

  /** {@code count} requests from dev account {@code account}, each waiting for its callback. */
  private static void run(
      DevnetSupervisor devnet,
      String consumerAddress,
      int account,
      int count,
      int caller,
      List<Sample> samples)
      throws Exception {
    try (VerinferChain chain =
        VerinferChain.connect(devnet.deployment(), DevAccounts.account(account))) {
      FraudScoreConsumer consumer =
          FraudScoreConsumer.load(
              consumerAddress, chain.web3j(), chain.sender(), new DefaultGasProvider());
      for (int i = 0; i < count; i++) {
        List<BigInteger> features =
            FraudScoreExample.micros(VerificationBench.features(caller * 1_000 + i).toFloats());
        TxResult sent =
            chain
                .sender()
                .send(consumerAddress, consumer.requestScore(features).encodeFunctionCall());
        long requestedAt = System.nanoTime();
        Requested r = chain.coordinator().requested(sent).get(0);
        long deadline = requestedAt + CALLBACK_TIMEOUT.toNanos();
        while (!consumer.answered(BigInteger.valueOf(r.id())).send()) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("no callback for request " + r.id());
          }
          Thread.sleep(50);
        }
        double seconds = (System.nanoTime() - requestedAt) / 1e9;
        samples.add(new Sample(r.id(), r.block(), seconds));
      }
    }
  }

  private static void report(
      VerinferChain chain,
      InferenceCoordinatorFacade coordinator,
      long startBlock,
      List<Sample> samples,
      long blockMs,
      long confirmations,
      int callers)
      throws Exception {
    java.util.Map<Long, Long> fulfilledIn = new java.util.HashMap<>();
    java.util.Map<Long, String> fulfilTx = new java.util.HashMap<>();
    EthFilter filter =
        new EthFilter(
            DefaultBlockParameter.valueOf(BigInteger.valueOf(startBlock)),
            org.web3j.protocol.core.DefaultBlockParameterName.LATEST,
            coordinator.address().value());
    filter.addSingleTopic(EventEncoder.encode(InferenceCoordinator.INFERENCEFULFILLED_EVENT));
    for (EthLog.LogResult<?> result : chain.web3j().ethGetLogs(filter).send().getLogs()) {
      Log log = (Log) result.get();
      long id = Numeric.toBigInt(log.getTopics().get(1)).longValueExact();
      fulfilledIn.put(id, log.getBlockNumber().longValueExact());
      fulfilTx.put(id, log.getTransactionHash());
    }
    List<Long> blocks = new ArrayList<>();
    List<Double> seconds = new ArrayList<>();
    List<Long> gas = new ArrayList<>();
    for (Sample s : samples) {
      Long block = fulfilledIn.get(s.id());
      if (block == null) {
        throw new IllegalStateException(
            "request " + s.id() + " answered without InferenceFulfilled");
      }
      blocks.add(block - s.requestBlock());
      seconds.add(s.seconds());
      gas.add(
          chain
              .web3j()
              .ethGetTransactionReceipt(fulfilTx.get(s.id()))
              .send()
              .getTransactionReceipt()
              .orElseThrow()
              .getGasUsed()
              .longValueExact());
    }
    if (fulfilledIn.size() != samples.size()) {
      throw new IllegalStateException(
          fulfilledIn.size() + " fulfilments for " + samples.size() + " requests");
    }
    Collections.sort(blocks);
    Collections.sort(seconds);
    Collections.sort(gas);
    System.out.printf(
        Locale.ROOT,
        "%d requests by %d callers, one block every %d ms, %d confirmations:%n"
            + "  blocks from request to callback: min %d, median %d, p90 %d, max %d, mean %.2f%n"
            + "  seconds from request mined to callback seen: min %.2f, median %.2f, p90 %.2f,"
            + " max %.2f%n"
            + "  fulfil gas (whole tx, callback included): median %d%n"
            + "  histogram (blocks: requests) %s%n",
        samples.size(),
        callers,
        blockMs,
        confirmations,
        blocks.get(0),
        blocks.get(blocks.size() / 2),
        blocks.get((int) (blocks.size() * 0.9)),
        blocks.get(blocks.size() - 1),
        blocks.stream().mapToLong(Long::longValue).average().orElse(0),
        seconds.get(0),
        seconds.get(seconds.size() / 2),
        seconds.get((int) (seconds.size() * 0.9)),
        seconds.get(seconds.size() - 1),
        gas.get(gas.size() / 2),
        new java.util.TreeMap<>(
            blocks.stream()
                .collect(
                    java.util.stream.Collectors.groupingBy(
                        b -> b, java.util.stream.Collectors.counting()))));
  }
}
