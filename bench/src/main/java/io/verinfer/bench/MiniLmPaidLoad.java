package io.verinfer.bench;

import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.devnet.DevnetSupervisor;
import io.verinfer.client.ClientOptions;
import io.verinfer.client.VerinferClient;
import io.verinfer.client.gateway.Gateway;
import io.verinfer.node.ProviderNode;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.onnx.OnnxInferenceEngine;
import io.verinfer.runtime.packs.minilm.MiniLmPack;
import io.verinfer.runtime.store.LocalModelStore;
import io.verinfer.runtime.text.EmbeddingService;
import io.verinfer.runtime.text.TextTokenizer;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code minilm-embed}: the paid path (HTTP → gateway → SDK → paid provider → engine) against the
 * bare embedding pipeline in-process (tokenizer + engine + pooling), same callers, one run.
 */
final class MiniLmPaidLoad {
  private static final String TEXT = "A man is playing a guitar on a sunny afternoon.";

  private MiniLmPaidLoad() {}

  static void run(int callers, int calls, int rounds) throws Exception {
    Path work = Files.createTempDirectory("verinfer-load-minilm");
    try (DevnetSupervisor devnet =
        DevnetSupervisor.start(DevnetSupervisor.Options.defaults(), s -> {})) {
      Path pack = Packs.pack(MiniLmPack.NAME);
      ModelId model = Packs.publish(devnet.deployment(), MiniLmPack.NAME);
      LocalModelStore bareStore = new LocalModelStore(work.resolve("bare-store"));
      try (ProviderNode node = PaidPathLoad.provider(devnet, work, pack, 8, false);
          VerinferClient client =
              VerinferClient.connect(
                  devnet.deployment(),
                  DevAccounts.account(2),
                  work.resolve("client"),
                  ClientOptions.defaults());
          Gateway gateway = new Gateway(client, Map.of(MiniLmPack.NAME, model), "127.0.0.1", 0);
          OnnxInferenceEngine engine = new OnnxInferenceEngine(bareStore, EngineConfig.defaults());
          TextTokenizer tokenizer =
              TextTokenizer.open(pack.resolve(MiniLmPack.TOKENIZER_FILE), MiniLmPack.TOKEN_LIMIT)) {
        System.err.println("paid provider at " + node.baseUrl());
        client.deposit(TokenAmount.ofTokens("1000"));
        engine.deploy(Packs.store(MiniLmPack.NAME, bareStore));
        EmbeddingService bare = new EmbeddingService(engine, MiniLmPack.NAME, tokenizer);
        URI uri = URI.create(gateway.baseUrl() + "/v1/embeddings");
        // -Dload.texts=N: N texts per call (an OpenAI input array), both sides
        int texts = Integer.getInteger("load.texts", 1);
        List<String> batch = java.util.Collections.nCopies(texts, TEXT);
        String body =
            "{\"model\":\"minilm-embed\",\"input\":["
                + String.join(",", java.util.Collections.nCopies(texts, "\"" + TEXT + "\""))
                + "]}";
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        // for profiling one side: -Dload.paidOnly=true or -Dload.bareOnly=true
        boolean paidSide = !Boolean.getBoolean("load.bareOnly");
        boolean bareSide = !Boolean.getBoolean("load.paidOnly");
        for (int w = 0; w < PaidPathLoad.WARM_UP_ROUNDS; w++) {
          if (paidSide) {
            PaidPathLoad.run("warm-up paid", uri, http, callers, calls, body);
          }
          if (bareSide) {
            bareRound("warm-up bare", bare, batch, callers, calls);
          }
        }
        List<PaidPathLoad.Round> paidRounds = new ArrayList<>();
        List<PaidPathLoad.Round> bareRounds = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
          if (bareSide) {
            bareRounds.add(bareRound("bare engine", bare, batch, callers, calls));
          }
          if (paidSide) {
            paidRounds.add(PaidPathLoad.run("paid", uri, http, callers, calls, body));
          }
        }
        System.out.println(
            "minilm-embed: 'unpaid' below is the bare in-process embedding pipeline");
        // session runs per call show how well each side's micro-batching stacked requests
        System.out.println("node engine: " + node.engine().stats());
        System.out.println("bare engine: " + engine.stats());
        PaidPathLoad.report(callers, calls, paidRounds, bareRounds);
      }
    }
  }

  private static PaidPathLoad.Round bareRound(
      String name, EmbeddingService bare, List<String> batch, int callers, int calls)
      throws Exception {
    long[] latencies = new long[calls];
    AtomicInteger next = new AtomicInteger();
    long start = System.nanoTime();
    long cpuStart = PaidPathLoad.OS.getProcessCpuTime();
    try (ExecutorService pool = Executors.newFixedThreadPool(callers)) {
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < callers; c++) {
        done.add(
            pool.submit(
                () -> {
                  for (int i; (i = next.getAndIncrement()) < calls; ) {
                    long t0 = System.nanoTime();
                    bare.embed(batch);
                    latencies[i] = (System.nanoTime() - t0) / 1_000;
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    }
    return PaidPathLoad.record(name, calls, start, cpuStart, latencies);
  }
}
