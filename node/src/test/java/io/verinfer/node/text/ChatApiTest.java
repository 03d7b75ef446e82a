package io.verinfer.node.text;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.verinfer.node.NodeServer;
import io.verinfer.node.ProviderNode;
import io.verinfer.protocol.text.TextOutput;
import io.verinfer.protocol.text.TextRequest;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.textgen.ChatMessage;
import io.verinfer.runtime.textgen.GenerationRequest;
import io.verinfer.runtime.textgen.OnnxTextGenerator;
import io.verinfer.runtime.textgen.SamplingParams;
import io.verinfer.runtime.textgen.TextGenerator;
import io.verinfer.runtime.textgen.TinyTextPacks;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unpaid (devnet) text API of a real node over loopback HTTP, with the real engine and a tiny
 * random text pack: OpenAI objects and event streams, seeds, refusals, {@code /v1/models}, time to
 * first token, and a client that disconnects mid-stream cancelling the generation.
 */
class ChatApiTest {
  static final int CONTEXT = 768;
  @TempDir static Path dir;
  static ProviderNode node;
  static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() {
    Path pack = TinyTextPacks.write(dir.resolve("packs"), CONTEXT, 11);
    node =
        ProviderNode.start(
            new ProviderNode.Config(
                dir.resolve("store"),
                List.of(pack),
                NodeServer.Options.loopback().withTransport(NodeServer.Transport.plain()),
                EngineConfig.defaults(),
                true),
            s -> {});
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static HttpResponse<String> post(String path, String body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(node.baseUrl() + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode json(String s) throws Exception {
    return SseEvents.JSON.readTree(s);
  }

  static TextGenerator engine() {
    return node.textGenerator().orElseThrow();
  }

  static final String CHAT =
      "{\"model\":\"tiny-chat\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
          + "{\"role\":\"user\",\"content\":\"hello there\"}],\"max_tokens\":24,\"temperature\":0";

  @Test
  void aChatCompletionIsTheEnginesGenerationInTheOpenAiShape() throws Exception {
    HttpResponse<String> r = post("/v1/chat/completions", CHAT + "}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = json(r.body());
    assertThat(body.path("object").asText()).isEqualTo("chat.completion");
    assertThat(body.path("id").asText()).startsWith("chatcmpl-");
    assertThat(body.path("model").asText()).isEqualTo("tiny-chat");
    JsonNode choice = body.path("choices").get(0);
    assertThat(choice.path("message").path("role").asText()).isEqualTo("assistant");
    String finish = choice.path("finish_reason").asText();
    assertThat(finish).isIn("stop", "length");

    // the same generation, straight from the engine
    TextGenerator g = engine();
    int[] prompt =
        g.encode(
            "tiny-chat",
            g.renderChat(
                "tiny-chat",
                List.of(
                    new ChatMessage("system", "be brief"),
                    new ChatMessage("user", "hello there"))));
    var expected =
        g.generate(
            "tiny-chat",
            new GenerationRequest(
                prompt,
                new SamplingParams(
                    0, 1, body.path("verinfer").path("seed").asLong(), 24, List.of())),
            c -> true);
    assertThat(choice.path("message").path("content").asText()).isEqualTo(expected.text());
    assertThat(finish).isEqualTo(expected.finishReason().apiName());
    JsonNode usage = body.path("usage");
    assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(prompt.length);
    assertThat(usage.path("completion_tokens").asInt()).isEqualTo(expected.completionTokenCount());
    assertThat(usage.path("total_tokens").asInt())
        .isEqualTo(prompt.length + expected.completionTokenCount());
    JsonNode v = body.path("verinfer");
    assertThat(ids(v.path("tokens"))).containsExactly(expected.completionTokens());
    assertThat(ids(v.path("prompt_token_ids"))).containsExactly(prompt);
    assertThat(v.path("max_tokens").asInt()).isEqualTo(24);
    TextRequest commitment = new TextRequest(prompt, 0, 1, v.path("seed").asLong(), 24, List.of());
    assertThat(v.path("input_hash").asText()).isEqualTo(commitment.hash().hex());
    TextOutput.End end = finish.equals("stop") ? TextOutput.End.STOP : TextOutput.End.LENGTH;
    assertThat(v.path("output_hash").asText())
        .isEqualTo(new TextOutput(end, expected.completionTokens()).hash().hex());
  }

  @Test
  void aCompletionContinuesThePrompt() throws Exception {
    double prompt = counter("prompt");
    double completion = counter("completion");
    HttpResponse<String> r =
        post(
            "/v1/completions",
            "{\"model\":\"tiny-chat\",\"prompt\":\"once upon a\",\"max_tokens\":10,\"seed\":5}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = json(r.body());
    assertThat(body.path("object").asText()).isEqualTo("text_completion");
    assertThat(body.path("id").asText()).startsWith("cmpl-");
    assertThat(body.path("choices").get(0).has("text")).isTrue();
    assertThat(body.path("verinfer").path("seed").asLong()).isEqualTo(5);
    assertThat(body.path("usage").path("prompt_tokens").asInt())
        .isEqualTo(engine().encode("tiny-chat", "once upon a").length);
    assertThat(counter("prompt") - prompt)
        .isEqualTo(body.path("usage").path("prompt_tokens").asDouble());
    assertThat(counter("completion") - completion)
        .isEqualTo(body.path("usage").path("completion_tokens").asDouble());
  }

  static double counter(String kind) throws Exception {
    String prefix = "verinfer_text_tokens_total{kind=\"" + kind + "\"} ";
    return scrape()
        .lines()
        .filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aSeedTheNodeChoseIsReportedAndReproducesTheRun() throws Exception {
    String ask = "{\"model\":\"tiny-chat\",\"prompt\":\"the cat\",\"max_tokens\":20";
    JsonNode first = json(post("/v1/completions", ask + "}").body());
    long seed = first.path("verinfer").path("seed").asLong();
    assertThat(seed).isBetween(0L, 1L << 53);
    JsonNode again = json(post("/v1/completions", ask + ",\"seed\":" + seed + "}").body());
    assertThat(again.path("choices").get(0).path("text").asText())
        .isEqualTo(first.path("choices").get(0).path("text").asText());
    assertThat(again.path("verinfer").path("output_hash"))
        .isEqualTo(first.path("verinfer").path("output_hash"));
  }

  @Test
  void aStreamSendsRoleTokensFinishUsageAndDoneInOrder() throws Exception {
    String ask = CHAT + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
    HttpResponse<InputStream> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(ask))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElseThrow())
        .startsWith("text/event-stream");
    List<SseEvents.Event> events;
    try (SseEvents sse = new SseEvents(r.body())) {
      events = sse.all();
    }
    assertThat(events.getLast().done()).isTrue();
    JsonNode first = events.get(0).json();
    assertThat(first.path("object").asText()).isEqualTo("chat.completion.chunk");
    assertThat(first.path("choices").get(0).path("delta").path("role").asText())
        .isEqualTo("assistant");
    assertThat(first.path("verinfer").has("input_hash")).isTrue();
    JsonNode usage = events.get(events.size() - 2).json();
    assertThat(usage.path("choices")).isEmpty();
    JsonNode fin = events.get(events.size() - 3).json();
    String finish = fin.path("choices").get(0).path("finish_reason").asText();
    assertThat(finish).isIn("stop", "length");
    StringBuilder text = new StringBuilder();
    List<Integer> tokens = new ArrayList<>();
    for (SseEvents.Event e : events.subList(1, events.size() - 3)) {
      JsonNode c = e.json();
      assertThat(c.path("choices").get(0).path("finish_reason").isNull()).isTrue();
      assertThat(c.has("usage") && c.get("usage").isNull()).isTrue();
      text.append(c.path("choices").get(0).path("delta").path("content").asText());
      c.path("verinfer").path("tokens").forEach(t -> tokens.add(t.asInt()));
    }
    JsonNode whole = json(post("/v1/chat/completions", CHAT + "}").body());
    assertThat(text.toString())
        .isEqualTo(whole.path("choices").get(0).path("message").path("content").asText());
    assertThat(tokens).containsExactlyElementsOf(toList(whole.path("verinfer").path("tokens")));
    assertThat(usage.path("usage").path("completion_tokens").asInt()).isEqualTo(tokens.size());
    int[] ids = tokens.stream().mapToInt(Integer::intValue).toArray();
    TextOutput.End end = finish.equals("stop") ? TextOutput.End.STOP : TextOutput.End.LENGTH;
    assertThat(fin.path("verinfer").path("output_hash").asText())
        .isEqualTo(new TextOutput(end, ids).hash().hex());
  }

  @Test
  void theFirstTokenArrivesLongBeforeTheWholeAnswer() throws Exception {
    String ask =
        "{\"model\":\"tiny-chat\",\"prompt\":\"a\",\"max_tokens\":700,\"temperature\":0,"
            + "\"stream\":true}";
    long sent = System.nanoTime();
    HttpResponse<InputStream> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(ask))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    List<SseEvents.Event> events;
    try (SseEvents sse = new SseEvents(r.body())) {
      events = sse.all();
    }
    SseEvents.Event firstToken = events.get(1);
    long ttft = firstToken.arrivedNanos() - sent;
    long total = events.getLast().arrivedNanos() - sent;
    int completion = 0;
    for (SseEvents.Event e : events.subList(1, events.size() - 1)) {
      completion += e.json().path("verinfer").path("tokens").size();
    }
    int tokenEvents = events.size() - 3;
    System.out.printf(
        "time to first token %.1f ms, whole answer (%d tokens in %d events) %.1f ms%n",
        ttft / 1e6, completion, tokenEvents, total / 1e6);
    assertThat(completion).isGreaterThan(100);
    assertThat(ttft).isLessThan(total / 5);
    // tokens decoded close together share an event (TextAnswering.EVENT_INTERVAL), but the
    // answer still arrives as it is decoded, in many events, the first holding one token
    assertThat(tokenEvents).isGreaterThan(5);
    assertThat(firstToken.json().path("verinfer").path("tokens").size()).isEqualTo(1);
  }

  @Test
  void aClientThatDisconnectsMidStreamCancelsTheGeneration() throws Exception {
    OnnxTextGenerator g = (OnnxTextGenerator) engine();
    String body =
        "{\"model\":\"tiny-chat\",\"prompt\":\"a\",\"max_tokens\":760,\"temperature\":0,"
            + "\"stream\":true}";
    URI uri = URI.create(node.baseUrl());
    long before = g.steps();
    try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  + "Content-Length: "
                  + body.getBytes(StandardCharsets.UTF_8).length
                  + "\r\n\r\n"
                  + body)
              .getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder seen = new StringBuilder();
      byte[] buf = new byte[4096];
      while (seen.toString().split("\"tokens\"", -1).length <= 5) { // five token chunks
        int read = in.read(buf);
        assertThat(read).isPositive();
        seen.append(new String(buf, 0, read, StandardCharsets.UTF_8));
      }
      assertThat(seen.toString()).startsWith("HTTP/1.1 200");
      socket.setSoLinger(true, 0); // reset, as a client that dies does
    }
    long settled = g.steps();
    for (int i = 0; i < 50; i++) {
      Thread.sleep(20);
      long now = g.steps();
      if (now == settled && i > 5) {
        break;
      }
      settled = now;
    }
    assertThat(settled - before).as("decoding steps after the disconnect").isLessThan(700);
    Thread.sleep(100);
    assertThat(g.steps()).isEqualTo(settled);
    assertThat(scrape()).contains("verinfer_text_streams_open 0.0");
  }

  @Test
  void modelsListsTheTextModelWithItsContext() throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/models")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode body = json(r.body());
    assertThat(body.path("object").asText()).isEqualTo("list");
    JsonNode m = body.path("data").get(0);
    assertThat(m.path("id").asText()).isEqualTo("tiny-chat");
    assertThat(m.path("object").asText()).isEqualTo("model");
    assertThat(m.path("verinfer").path("context_length").asInt()).isEqualTo(CONTEXT);
    assertThat(m.path("verinfer").path("task").asText()).isEqualTo("text-generation");
  }

  @Test
  void badRequestsAreRefusedWithTheFieldAndChangeNothing() throws Exception {
    String before = tokenCounts();
    refused("/v1/chat/completions", "{not json", 400, "MALFORMED_JSON", "body");
    refused(
        "/v1/chat/completions", "{\"model\":\"tiny-chat\"}", 400, "MALFORMED_REQUEST", "messages");
    refused(
        "/v1/chat/completions",
        "{\"model\":\"tiny-chat\",\"messages\":[]}",
        400,
        "EMPTY_INPUT",
        "messages");
    refused(
        "/v1/chat/completions",
        "{\"model\":\"tiny-chat\",\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}",
        400,
        "MALFORMED_REQUEST",
        "messages[0].role");
    refused(
        "/v1/chat/completions",
        "{\"model\":\"tiny-chat\",\"messages\":[{\"role\":\"user\",\"content\":[1]}]}",
        400,
        "MALFORMED_REQUEST",
        "messages[0].content");
    String hi = "{\"model\":\"tiny-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    JsonNode beyond =
        refused(
            "/v1/chat/completions",
            hi + ",\"max_tokens\":" + (CONTEXT + 1) + "}",
            400,
            "CONTEXT_LENGTH_EXCEEDED",
            "max_tokens");
    assertThat(beyond.path("message").asText()).contains(Integer.toString(CONTEXT));
    String longPrompt = "{\"model\":\"tiny-chat\",\"prompt\":\"" + "x ".repeat(400) + "\"";
    JsonNode tooLong =
        refused(
            "/v1/completions",
            longPrompt + ",\"max_tokens\":100}",
            400,
            "CONTEXT_LENGTH_EXCEEDED",
            "prompt");
    int promptTokens = engine().encode("tiny-chat", "x ".repeat(400)).length;
    assertThat(tooLong.path("message").asText())
        .contains(promptTokens + " tokens", "is 100", Integer.toString(CONTEXT));
    refused(
        "/v1/chat/completions",
        hi + ",\"temperature\":2.5}",
        400,
        "MALFORMED_REQUEST",
        "temperature");
    refused("/v1/chat/completions", hi + ",\"top_p\":0}", 400, "MALFORMED_REQUEST", "top_p");
    refused(
        "/v1/chat/completions",
        hi + ",\"max_tokens\":\"9\"}",
        400,
        "MALFORMED_REQUEST",
        "max_tokens");
    refused(
        "/v1/chat/completions", hi + ",\"stream\":\"yes\"}", 400, "MALFORMED_REQUEST", "stream");
    refused("/v1/chat/completions", hi + ",\"n\":2}", 400, "MALFORMED_REQUEST", "n");
    refused("/v1/chat/completions", hi + ",\"seed\":1.5}", 400, "MALFORMED_REQUEST", "seed");
    refused(
        "/v1/chat/completions",
        hi + ",\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}",
        400,
        "MALFORMED_REQUEST",
        "stop");
    refused(
        "/v1/chat/completions",
        "{\"model\":\"gpt-9\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        404,
        "UNKNOWN_MODEL",
        "model");
    refused(
        "/v1/completions",
        "{\"model\":\"tiny-chat\",\"prompt\":\"\"}",
        400,
        "EMPTY_INPUT",
        "prompt");
    refused(
        "/v1/completions",
        "{\"model\":\"tiny-chat\",\"prompt\":[1,2]}",
        400,
        "MALFORMED_REQUEST",
        "prompt");
    assertThat(tokenCounts()).isEqualTo(before);
  }

  static JsonNode refused(String path, String body, int status, String code, String param)
      throws Exception {
    HttpResponse<String> r = post(path, body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    JsonNode error = json(r.body()).path("error");
    assertThat(error.path("code").asText()).as(r.body()).isEqualTo(code);
    assertThat(error.path("param").asText()).as(r.body()).isEqualTo(param);
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.path("message").asText()).isNotBlank();
    return error;
  }

  static String scrape() throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create(node.metricsUrl().orElseThrow())).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  static String tokenCounts() throws Exception {
    return scrape()
        .lines()
        .filter(l -> l.startsWith("verinfer_text_tokens_total"))
        .reduce("", (a, b) -> a + b + "\n");
  }

  static int[] ids(JsonNode array) {
    return toList(array).stream().mapToInt(Integer::intValue).toArray();
  }

  static List<Integer> toList(JsonNode array) {
    List<Integer> out = new ArrayList<>();
    array.forEach(t -> out.add(t.asInt()));
    return out;
  }
}
