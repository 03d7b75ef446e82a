package io.verinfer.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.devnet.DevnetSupervisor;
import io.verinfer.client.ClientOptions;
import io.verinfer.client.VerinferClient;
import io.verinfer.client.gateway.Gateway;
import io.verinfer.node.ProviderNode;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.runtime.textgen.ChatMessage;
import io.verinfer.runtime.textgen.GenerationRequest;
import io.verinfer.runtime.textgen.OnnxTextGenerator;
import io.verinfer.runtime.textgen.SamplingParams;
import io.verinfer.runtime.textgen.TextGeneratorConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Text streams: tokens per second and time to first token through the paid gateway (HTTP SSE →
 * gateway → SDK → paid provider node, paying per checkpoint) against the bare {@link
 * OnnxTextGenerator} in-process, same prompts, same greedy decoding, 1 and 8 concurrent streams,
 * one run on one devnet:
 *
 * <pre>bench/java.sh io.verinfer.bench.TextStreamLoad [streamsPerCaller] [rounds]</pre>
 */
public final class TextStreamLoad {
  // verinfer-chat, or with -Dload.model=wide an untrained decoder of the size given by
  // -Dload.wide=layers,heads,width,mlpWidth (default 8,8,512,2048: 25 M parameters), which costs
  // per token what a real model of that size does (its text is noise)
  static String MODEL = "verinfer-chat";
  private static final int MAX_TOKENS = 64;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> QUESTIONS =
      List.of(
          "What is Verinfer?",
          "How does a consumer pay for inference?",
          "What is a Counter NFT?",
          "What happens when a provider cheats?",
          "How are protocol parameters changed?",
          "What does the gateway do?",
          "What is a voucher?",
          "What is a dispute committee?");

  private TextStreamLoad() {}

  /** One stream's figures: tokens received, time to the first one and to the end. */
  record Stream(int tokens, long firstTokenMicros, long totalMicros, int events) {}

  /** One round: every stream of every caller. */
  record Round(String path, int callers, List<Stream> streams, double seconds, double cpuSeconds) {
    double tokensPerSecond() {
      return streams.stream().mapToInt(Stream::tokens).sum() / seconds;
    }

    /** The whole process's CPU time (every thread: load generator, gateway, SDK, node) a token. */
    double cpuMicrosPerToken() {
      return cpuSeconds * 1e6 / streams.stream().mapToInt(Stream::tokens).sum();
    }

    double ttftMillis(double p) {
      long[] t = streams.stream().mapToLong(Stream::firstTokenMicros).sorted().toArray();
      return t[(int) Math.min(t.length - 1, Math.floor(p * t.length))] / 1000.0;
    }

    double totalMillis(double p) {
      long[] t = streams.stream().mapToLong(Stream::totalMicros).sorted().toArray();
      return t[(int) Math.min(t.length - 1, Math.floor(p * t.length))] / 1000.0;
    }
  }

  @FunctionalInterface
  interface StreamRunner {
    Stream run(String question) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    int perCaller = args.length > 0 ? Integer.parseInt(args[0]) : 4;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path work = Files.createTempDirectory("verinfer-load-text");
    try (DevnetSupervisor devnet =
        DevnetSupervisor.start(DevnetSupervisor.Options.defaults(), s -> {})) {
      if (System.getProperty("load.model", "chat").equals("wide")) {
        MODEL = widePack(System.getProperty("load.wide", "8,8,512,2048"));
      }
      Path pack = Packs.pack(MODEL);
      ModelId model = Packs.publish(devnet.deployment(), MODEL);
      try (ProviderNode node =
              PaidPathLoad.provider(
                  devnet,
                  work,
                  pack,
                  8,
                  false,
                  TokenAmount.of(10),
                  io.verinfer.node.faults.FaultInjection.none());
          VerinferClient client =
              VerinferClient.connect(
                  devnet.deployment(),
                  DevAccounts.account(2),
                  work.resolve("client"),
                  ClientOptions.defaults());
          ProviderNode free =
              ProviderNode.start(
                  new ProviderNode.Config(
                      work.resolve("store-free"),
                      List.of(pack),
                      io.verinfer.node.NodeServer.Options.loopback(),
                      PaidPathLoad.nodeEngine(),
                      true),
                  st -> {});
          Gateway gateway = new Gateway(client, Map.of(MODEL, model), "127.0.0.1", 0);
          OnnxTextGenerator bare = new OnnxTextGenerator(TextGeneratorConfig.defaults())) {
        System.err.println("paid provider at " + node.baseUrl() + ", gateway " + gateway.baseUrl());
        client.deposit(TokenAmount.ofTokens("1000"));
        bare.deploy(pack);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI uri = URI.create(gateway.baseUrl() + "/v1/chat/completions");
        StreamRunner paid = q -> paidStream(http, uri, q);
        StreamRunner inProcess = q -> bareStream(bare, q);
        // the hops between, for where the time goes: the node's own SSE over HTTPS, unpaid; the
        // SDK's paid stream from the node without the gateway
        HttpClient pinned =
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(free.tlsPin().orElseThrow().sslContext())
                .build();
        URI freeUri = URI.create(free.baseUrl() + "/v1/chat/completions");
        StreamRunner unpaidNode = q -> paidStream(pinned, freeUri, q);
        io.verinfer.protocol.Address paidNode =
            io.verinfer.protocol.Address.of(DevAccounts.account(8).getAddress());
        StreamRunner sdk = q -> sdkStream(client, model, paidNode, q);
        boolean hops = !Boolean.getBoolean("load.noHops");
        // for profiling one hop alone: -Dload.only=node|sdk|gateway runs it on both sides
        String only = System.getProperty("load.only", "");
        if (!only.isEmpty()) {
          StreamRunner one =
              switch (only) {
                case "node" -> unpaidNode;
                case "sdk" -> sdk;
                case "gateway" -> paid;
                default -> throw new IllegalArgumentException("load.only: node, sdk or gateway");
              };
          paid = one;
          inProcess = one;
          hops = false;
        }

        // for profiling: -Dload.callers=1 runs one concurrency only, -Dload.paidOnly=true one side
        int[] concurrency =
            Integer.getInteger("load.callers") == null
                ? new int[] {1, 8}
                : new int[] {Integer.getInteger("load.callers")};
        boolean paidOnly = Boolean.getBoolean("load.paidOnly");
        if (paidOnly) {
          inProcess = paid;
        }
        for (int callers : concurrency) {
          round("warm-up paid", paid, callers, perCaller);
          round("warm-up bare", inProcess, callers, perCaller);
          round("warm-up bare (virtual callers)", inProcess, callers, perCaller, true);
          if (hops) {
            round("warm-up node", unpaidNode, callers, perCaller);
            round("warm-up sdk", sdk, callers, perCaller);
          }
          List<Round> paidRounds = new ArrayList<>();
          List<Round> bareInline = new ArrayList<>();
          List<Round> bareVirtual = new ArrayList<>();
          List<Round> nodeRounds = new ArrayList<>();
          List<Round> sdkRounds = new ArrayList<>();
          for (int r = 0; r < rounds; r++) {
            // the engine two ways: platform callers run each step themselves; virtual callers
            // hand it to the engine's step workers, as the node's HTTP handlers do
            bareInline.add(round("bare runtime", inProcess, callers, perCaller));
            bareVirtual.add(
                round("bare runtime (virtual callers)", inProcess, callers, perCaller, true));
            if (hops) {
              nodeRounds.add(round("unpaid node SSE", unpaidNode, callers, perCaller));
              sdkRounds.add(round("paid SDK stream", sdk, callers, perCaller));
            }
            paidRounds.add(round("paid gateway", paid, callers, perCaller));
          }
          // the baseline is the faster of the two
          List<Round> bareRounds =
              median(bareVirtual.stream().mapToDouble(Round::tokensPerSecond).toArray())
                      > median(bareInline.stream().mapToDouble(Round::tokensPerSecond).toArray())
                  ? bareVirtual
                  : bareInline;
          report(callers, paidRounds, bareRounds);
          if (hops) {
            System.out.printf(
                "hops at %d streams (tokens/s, ratio to the baseline, ttft p50, CPU a token):",
                callers);
            for (List<Round> h :
                List.of(bareInline, bareVirtual, nodeRounds, sdkRounds, paidRounds)) {
              double tps = median(h.stream().mapToDouble(Round::tokensPerSecond).toArray());
              double bareTps =
                  median(bareRounds.stream().mapToDouble(Round::tokensPerSecond).toArray());
              System.out.printf(
                  " %s %.0f (%.2f, %.1f ms, %.0f µs CPU/token);",
                  h.get(0).path(),
                  tps,
                  tps / bareTps,
                  median(h.stream().mapToDouble(x -> x.ttftMillis(0.5)).toArray()),
                  median(h.stream().mapToDouble(Round::cpuMicrosPerToken).toArray()));
            }
            System.out.println();
          }
        }
        System.out.println("bare engine: " + bare.executionProvider());
      }
    }
  }

  /** Writes an untrained decoder pack with verinfer-chat's tokenizer; returns its name. */
  static String widePack(String shape) {
    int[] d = Arrays.stream(shape.split(",")).mapToInt(Integer::parseInt).toArray();
    String name = "bench-wide-" + String.join("x", shape.split(","));
    Path chat = Packs.pack("verinfer-chat");
    Path dir = Packs.DIR.resolve(name);
    if (Files.isDirectory(dir)) {
      return name;
    }
    io.verinfer.runtime.textgen.DecoderConfig c =
        new io.verinfer.runtime.textgen.DecoderConfig(768, 256, d[0], d[1], d[2], d[3]);
    io.verinfer.runtime.textgen.DecoderWeights w =
        new io.verinfer.runtime.textgen.DecoderWeights(c);
    java.util.SplittableRandom rng = new java.util.SplittableRandom(7);
    for (float[] a : w.arrays()) {
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) (rng.nextGaussian() * 0.02);
      }
    }
    System.err.printf("writing %s (%,d parameters)%n", name, c.parameterCount());
    io.verinfer.runtime.textgen.TextPacks.writePack(
        w,
        chat.resolve(io.verinfer.runtime.textgen.TextPacks.TOKENIZER_FILE),
        dir,
        new io.verinfer.runtime.textgen.TextPacks.Description(
            name, "untrained decoder for throughput benchmarks", "Apache-2.0", "0"));
    return name;
  }

  static Round round(String path, StreamRunner runner, int callers, int perCaller)
      throws Exception {
    return round(path, runner, callers, perCaller, false);
  }

  static Round round(
      String path, StreamRunner runner, int callers, int perCaller, boolean virtualCallers)
      throws Exception {
    List<Stream> streams = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicInteger next = new AtomicInteger();
    long start = System.nanoTime();
    long cpuStart = PaidPathLoad.OS.getProcessCpuTime();
    try (ExecutorService pool =
        virtualCallers
            ? Executors.newVirtualThreadPerTaskExecutor()
            : Executors.newFixedThreadPool(callers)) {
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < callers; c++) {
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < perCaller; i++) {
                    String q = QUESTIONS.get(next.getAndIncrement() % QUESTIONS.size());
                    streams.add(runner.run(q));
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    }
    Round round =
        new Round(
            path,
            callers,
            streams,
            (System.nanoTime() - start) / 1e9,
            (PaidPathLoad.OS.getProcessCpuTime() - cpuStart) / 1e9);
    System.err.printf(
        "%s, %d streams: %.0f tokens/s, ttft p50 %.1f ms, %.0f µs CPU a token, %.1f tokens an"
            + " event%n",
        path,
        callers,
        round.tokensPerSecond(),
        round.ttftMillis(0.5),
        round.cpuMicrosPerToken(),
        streams.stream().mapToInt(Stream::tokens).sum()
            / (double) streams.stream().mapToInt(Stream::events).sum());
    return round;
  }

  /** Greedy, {@value #MAX_TOKENS} tokens at most, as the paid side asks the gateway. */
  static Stream bareStream(OnnxTextGenerator bare, String question) {
    String prompt = bare.renderChat(MODEL, List.of(new ChatMessage("user", question)));
    int[] tokens = bare.encode(MODEL, prompt);
    long t0 = System.nanoTime();
    long[] first = {0};
    var g =
        bare.generate(
            MODEL,
            new GenerationRequest(tokens, SamplingParams.greedy(MAX_TOKENS)),
            chunk -> {
              if (first[0] == 0) {
                first[0] = System.nanoTime();
              }
              return true;
            });
    long end = System.nanoTime();
    return new Stream(
        g.completionTokenCount(),
        (first[0] - t0) / 1000,
        (end - t0) / 1000,
        g.completionTokenCount());
  }

  /** The SDK's paid stream from one provider, as the gateway runs it, without the gateway. */
  static Stream sdkStream(
      VerinferClient client,
      ModelId model,
      io.verinfer.protocol.Address provider,
      String question) {
    long t0 = System.nanoTime();
    long first = 0;
    int tokens = 0;
    int events = 0;
    try (io.verinfer.client.TextStream s =
        client.streamText(
            model,
            io.verinfer.client.TextGeneration.chat(
                    List.of(io.verinfer.client.ChatMessage.user(question)))
                .withMaxTokens(MAX_TOKENS)
                .withTemperature(0),
            io.verinfer.client.Routing.only(provider))) {
      while (s.hasNext()) {
        tokens += s.next().tokens().length;
        events++;
        if (first == 0) {
          first = System.nanoTime();
        }
      }
      s.result();
    }
    long end = System.nanoTime();
    return new Stream(tokens, ((first == 0 ? end : first) - t0) / 1000, (end - t0) / 1000, events);
  }

  /** One streamed chat completion through the gateway; tokens counted from its {@code usage}. */
  static Stream paidStream(HttpClient http, URI uri, String question) throws Exception {
    String body =
        JSON.writeValueAsString(
            Map.of(
                "model",
                MODEL,
                "messages",
                List.of(Map.of("role", "user", "content", question)),
                "max_tokens",
                MAX_TOKENS,
                "temperature",
                0,
                "stream",
                true,
                "stream_options",
                Map.of("include_usage", true)));
    long t0 = System.nanoTime();
    HttpResponse<java.io.InputStream> response =
        http.send(
            HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "gateway answered "
              + response.statusCode()
              + ": "
              + new String(response.body().readAllBytes(), StandardCharsets.UTF_8));
    }
    long first = 0;
    int tokens = -1;
    int events = 0;
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      for (String line; (line = lines.readLine()) != null; ) {
        if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
          continue;
        }
        JsonNode chunk = JSON.readTree(line.substring(6));
        events++;
        if (first == 0
            && chunk.path("choices").path(0).path("delta").has("content")
            && !chunk.path("choices").path(0).path("delta").path("content").asText().isEmpty()) {
          first = System.nanoTime();
        }
        if (chunk.hasNonNull("usage")) {
          tokens = chunk.get("usage").get("completion_tokens").asInt();
        }
      }
    }
    long end = System.nanoTime();
    if (tokens < 0) {
      throw new IllegalStateException("the stream carried no usage");
    }
    return new Stream(tokens, ((first == 0 ? end : first) - t0) / 1000, (end - t0) / 1000, events);
  }

  static void report(int callers, List<Round> paid, List<Round> bare) {
    double paidTps = median(paid.stream().mapToDouble(Round::tokensPerSecond).toArray());
    double bareTps = median(bare.stream().mapToDouble(Round::tokensPerSecond).toArray());
    double paidTtft = median(paid.stream().mapToDouble(r -> r.ttftMillis(0.5)).toArray());
    double bareTtft = median(bare.stream().mapToDouble(r -> r.ttftMillis(0.5)).toArray());
    double paidTotal = median(paid.stream().mapToDouble(r -> r.totalMillis(0.5)).toArray());
    double bareTotal = median(bare.stream().mapToDouble(r -> r.totalMillis(0.5)).toArray());
    System.out.printf(
        "| %d | %.0f | %.0f | **%.2f** | %.1f | %.1f | %.1f | %.1f |%n",
        callers, bareTps, paidTps, paidTps / bareTps, bareTtft, paidTtft, bareTotal, paidTotal);
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v[v.length / 2];
  }
}
