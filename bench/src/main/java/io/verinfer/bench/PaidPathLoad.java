package io.verinfer.bench;

import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.devnet.DevnetSupervisor;
import io.verinfer.client.ClientOptions;
import io.verinfer.client.Routing;
import io.verinfer.client.VerinferClient;
import io.verinfer.client.gateway.Gateway;
import io.verinfer.node.NodeServer;
import io.verinfer.node.PaidSettings;
import io.verinfer.node.ProviderNode;
import io.verinfer.node.payment.Settler;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.runtime.EngineConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Load generator for the whole paid path on fraud-detect, side by side in one run on one devnet:
 * the same HTTP request through a gateway and its SDK to a registered provider, once paid (the SDK
 * signs a voucher, the provider verifies it, commits the call to SQLite, signs a receipt, the SDK
 * checks it) and once with payment switched off on both ends (same gateway, SDK and node code, no
 * voucher, no receipt, no ledger). Each round runs a fixed number of calls from a fixed number of
 * closed-loop callers; rounds alternate so drift hits both sides.
 *
 * <p>Usage: {@code java ... io.verinfer.bench.PaidPathLoad [callers] [callsPerRound] [rounds]}
 */
public final class PaidPathLoad {
  private static final String BODY =
      "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,8],\"datatype\":\"FP32\",\"data\":[120,22,2,35,3,400,1,0]}]}";

  /** Rounds run and discarded first, so the JIT has compiled both paths. */
  static final int WARM_UP_ROUNDS = 3;

  private PaidPathLoad() {}

  record Round(String path, int calls, double seconds, long[] latenciesMicros, double cpuSeconds) {
    double throughput() {
      return calls / seconds;
    }

    /** CPU time this process spent per call (all threads: load generator, gateway, node). */
    double cpuMicrosPerCall() {
      return cpuSeconds * 1e6 / calls;
    }

    double percentileMillis(double p) {
      long[] sorted = latenciesMicros.clone();
      Arrays.sort(sorted);
      return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))] / 1000.0;
    }
  }

  public static void main(String[] args) throws Exception {
    int callers = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    int calls = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    if (args.length > 3 && args[3].equals("minilm")) {
      MiniLmPaidLoad.run(callers, calls, rounds);
      return;
    }
    Path work = Files.createTempDirectory("verinfer-load");
    try (DevnetSupervisor devnet =
        DevnetSupervisor.start(DevnetSupervisor.Options.defaults(), s -> {})) {
      Path pack = Packs.pack("fraud-detect");
      ModelId model = Packs.publish(devnet.deployment(), "fraud-detect");
      try (ProviderNode paidNode = provider(devnet, work, pack, 8, false);
          ProviderNode unpaidNode = provider(devnet, work, pack, 9, true);
          VerinferClient payer =
              VerinferClient.connect(
                  devnet.deployment(),
                  DevAccounts.account(2),
                  work.resolve("client-paid"),
                  ClientOptions.defaults());
          VerinferClient free =
              VerinferClient.connect(
                  devnet.deployment(),
                  DevAccounts.account(3),
                  work.resolve("client-unpaid"),
                  ClientOptions.defaults().withPaymentOff(true));
          Gateway paidGateway =
              new Gateway(
                  payer,
                  Map.of("fraud-detect", model),
                  "127.0.0.1",
                  0,
                  Routing.only(Address.of(DevAccounts.account(8).getAddress())));
          Gateway unpaidGateway =
              new Gateway(
                  free,
                  Map.of("fraud-detect", model),
                  "127.0.0.1",
                  0,
                  Routing.only(Address.of(DevAccounts.account(9).getAddress())))) {
        payer.deposit(TokenAmount.ofTokens("1000"));
        System.err.println(
            "paid provider at " + paidNode.baseUrl() + ", unpaid at " + unpaidNode.baseUrl());
        URI paidUri = URI.create(paidGateway.baseUrl() + "/v2/models/fraud-detect/infer");
        URI unpaidUri = URI.create(unpaidGateway.baseUrl() + "/v2/models/fraud-detect/infer");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        boolean paidOnly = Boolean.getBoolean("load.paidOnly"); // for profiling the paid side
        for (int w = 0; w < WARM_UP_ROUNDS; w++) {
          run("warm-up paid", paidUri, http, callers, calls);
          if (!paidOnly) {
            run("warm-up unpaid", unpaidUri, http, callers, calls);
          }
        }
        List<Round> paidRounds = new ArrayList<>();
        List<Round> unpaidRounds = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
          if (!paidOnly) {
            unpaidRounds.add(run("unpaid", unpaidUri, http, callers, calls));
          }
          paidRounds.add(run("paid", paidUri, http, callers, calls));
        }
        report(callers, calls, paidRounds, unpaidRounds);
      }
    }
  }

  /**
   * The providers' engine: the defaults, or with {@code -Dload.nodeBatchWaitMs=N} a batch wait of N
   * ms (trading latency for stacking; see bench/README.md).
   */
  static EngineConfig nodeEngine() {
    long waitMs = Long.getLong("load.nodeBatchWaitMs", 0);
    EngineConfig defaults = EngineConfig.defaults();
    return waitMs == 0
        ? defaults
        : defaults.withBatching(defaults.maxBatchSize(), Duration.ofMillis(waitMs));
  }

  /**
   * A provider registered on-chain with dev account {@code account} serving {@code pack}; with
   * {@code unpaid} it serves free (payment switched off), otherwise it takes vouchers.
   */
  static ProviderNode provider(
      DevnetSupervisor devnet, Path work, Path pack, int account, boolean unpaid) {
    return provider(
        devnet,
        work,
        pack,
        account,
        unpaid,
        TokenAmount.of(1_000),
        io.verinfer.node.faults.FaultInjection.none());
  }

  /** A paid (or unpaid) provider at {@code price}, corrupting outputs as {@code faults} says. */
  static ProviderNode provider(
      DevnetSupervisor devnet,
      Path work,
      Path pack,
      int account,
      boolean unpaid,
      TokenAmount price,
      io.verinfer.node.faults.FaultInjection faults) {
    return provider(devnet, work, pack, account, unpaid, price, faults, p -> p);
  }

  /** As above, with the paid settings adjusted by {@code adjust} (for example the watcher's). */
  static ProviderNode provider(
      DevnetSupervisor devnet,
      Path work,
      Path pack,
      int account,
      boolean unpaid,
      TokenAmount price,
      io.verinfer.node.faults.FaultInjection faults,
      java.util.function.UnaryOperator<PaidSettings> adjust) {
    String name = io.verinfer.runtime.ModelManifest.read(pack).name();
    PaidSettings paid =
        new PaidSettings(
            devnet.deployment(),
            DevAccounts.account(account),
            work.resolve("ledger-" + account + ".db"),
            Map.of(name, price),
            price,
            new Settler.Policy(
                TokenAmount.ofTokens("100000"), Duration.ofHours(1), 100, Duration.ofHours(1)));
    return ProviderNode.start(
        new ProviderNode.Config(
                work.resolve("store-" + account),
                List.of(pack),
                // one load generator on 127.0.0.1: the per-IP rate limit (500/s by default)
                // would cap what is measured, so the measured node allows far more
                NodeServer.Options.loopback()
                    .withLimits(new NodeServer.Limits(8 * 1024, 1024, 1_000_000, 2_000_000)),
                nodeEngine(),
                unpaid,
                adjust.apply(paid))
            .withFaults(faults),
        s -> {});
  }

  static Round run(String path, URI uri, HttpClient http, int callers, int calls) throws Exception {
    return run(path, uri, http, callers, calls, BODY);
  }

  static Round run(String path, URI uri, HttpClient http, int callers, int calls, String body)
      throws Exception {
    long[] latencies = new long[calls];
    java.util.concurrent.atomic.AtomicInteger next =
        new java.util.concurrent.atomic.AtomicInteger();
    long start = System.nanoTime();
    long cpuStart = OS.getProcessCpuTime();
    try (ExecutorService pool = Executors.newFixedThreadPool(callers)) {
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < callers; c++) {
        done.add(
            pool.submit(
                (Callable<Void>)
                    () -> {
                      for (int i; (i = next.getAndIncrement()) < calls; ) {
                        long t0 = System.nanoTime();
                        HttpResponse<String> response =
                            http.send(
                                HttpRequest.newBuilder(uri)
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(body))
                                    .build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() != 200) {
                          throw new IllegalStateException(
                              path + " answered " + response.statusCode() + ": " + response.body());
                        }
                        latencies[i] = (System.nanoTime() - t0) / 1_000;
                      }
                      return null;
                    }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    }
    return record(path, calls, start, cpuStart, latencies);
  }

  static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean)
          java.lang.management.ManagementFactory.getOperatingSystemMXBean();

  static Round record(String path, int calls, long start, long cpuStart, long[] latencies) {
    Round round =
        new Round(
            path,
            calls,
            (System.nanoTime() - start) / 1e9,
            latencies,
            (OS.getProcessCpuTime() - cpuStart) / 1e9);
    System.err.printf(
        Locale.ROOT,
        "%-15s %,8.0f calls/s  p50 %.2f ms  p99 %.2f ms  cpu %.0f us/call%n",
        path,
        round.throughput(),
        round.percentileMillis(0.5),
        round.percentileMillis(0.99),
        round.cpuMicrosPerCall());
    return round;
  }

  static void report(int callers, int calls, List<Round> paid, List<Round> unpaid) {
    double paidTp = paid.stream().mapToDouble(Round::throughput).average().orElse(0);
    double unpaidTp = unpaid.stream().mapToDouble(Round::throughput).average().orElse(0);
    double paidP50 = paid.stream().mapToDouble(r -> r.percentileMillis(0.5)).average().orElse(0);
    double unpaidP50 =
        unpaid.stream().mapToDouble(r -> r.percentileMillis(0.5)).average().orElse(0);
    double paidCpu = paid.stream().mapToDouble(Round::cpuMicrosPerCall).average().orElse(0);
    double unpaidCpu = unpaid.stream().mapToDouble(Round::cpuMicrosPerCall).average().orElse(0);
    System.out.printf(
        Locale.ROOT, "callers=%d calls/round=%d rounds=%d%n", callers, calls, paid.size());
    System.out.printf(
        Locale.ROOT,
        "unpaid (HTTP -> gateway -> SDK -> provider, payment off): %,.0f calls/s, p50 %.2f ms,"
            + " cpu %.0f us/call%n",
        unpaidTp,
        unpaidP50,
        unpaidCpu);
    System.out.printf(
        Locale.ROOT,
        "paid   (HTTP -> gateway -> SDK -> provider, paid):        %,.0f calls/s, p50 %.2f ms,"
            + " cpu %.0f us/call%n",
        paidTp,
        paidP50,
        paidCpu);
    System.out.printf(
        Locale.ROOT,
        "paid/unpaid throughput %.2f; added p50 %.2f ms%n",
        paidTp / unpaidTp,
        paidP50 - unpaidP50);
  }
}
