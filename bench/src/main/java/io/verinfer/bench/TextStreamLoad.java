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
  static final String MODEL = "verinfer-chat";
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
  record Stream(int tokens, long firstTokenMicros, long totalMicros) {}

  /** One round: every stream of every caller. */
  record Round(String path, int callers, List<Stream> streams, double seconds) {
    double tokensPerSecond() {
      return streams.stream().mapToInt(Stream::tokens).sum() / seconds;
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
          Gateway gateway = new Gateway(client, Map.of(MODEL, model), "127.0.0.1", 0);
          OnnxTextGenerator bare = new OnnxTextGenerator(TextGeneratorConfig.defaults())) {
        System.err.println("paid provider at " + node.baseUrl() + ", gateway " + gateway.baseUrl());
        client.deposit(TokenAmount.ofTokens("1000"));
        bare.deploy(pack);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI uri = URI.create(gateway.baseUrl() + "/v1/chat/completions");
        StreamRunner paid = q -> paidStream(http, uri, q);
        StreamRunner inProcess = q -> bareStream(bare, q);

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
          List<Round> paidRounds = new ArrayList<>();
          List<Round> bareRounds = new ArrayList<>();
          for (int r = 0; r < rounds; r++) {
            bareRounds.add(round("bare runtime", inProcess, callers, perCaller));
            paidRounds.add(round("paid gateway", paid, callers, perCaller));
          }
          report(callers, paidRounds, bareRounds);
        }
        System.out.println("bare engine: " + bare.executionProvider());
      }
    }
  }

  static Round round(String path, StreamRunner runner, int callers, int perCaller)
      throws Exception {
    List<Stream> streams = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicInteger next = new AtomicInteger();
    long start = System.nanoTime();
    try (ExecutorService pool = Executors.newFixedThreadPool(callers)) {
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
    Round round = new Round(path, callers, streams, (System.nanoTime() - start) / 1e9);
    System.err.printf(
        "%s, %d streams: %.0f tokens/s, ttft p50 %.1f ms%n",
        path, callers, round.tokensPerSecond(), round.ttftMillis(0.5));
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
    return new Stream(g.completionTokenCount(), (first[0] - t0) / 1000, (end - t0) / 1000);
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
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      for (String line; (line = lines.readLine()) != null; ) {
        if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
          continue;
        }
        JsonNode chunk = JSON.readTree(line.substring(6));
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
    return new Stream(tokens, ((first == 0 ? end : first) - t0) / 1000, (end - t0) / 1000);
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
