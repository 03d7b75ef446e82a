package io.verinfer.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.acceptance.Marketplace.Provider;
import io.verinfer.chain.VerinferChain;
import io.verinfer.client.ChatMessage;
import io.verinfer.client.ClientOptions;
import io.verinfer.client.TextGeneration;
import io.verinfer.client.TextResult;
import io.verinfer.client.TextStream;
import io.verinfer.client.VerinferClient;
import io.verinfer.client.gateway.Gateway;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.runtime.packs.ChatDemoPack;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official OpenAI client library (npm {@code openai}) chats with a paid text model on the
 * devnet through the gateway, whole and streamed: text arrives chunk by chunk as it is decoded,
 * {@code usage} counts the tokens, and the consumer's lanes and deposit move by exactly those
 * tokens' price. The model is the project's own {@code verinfer-chat}: asked a question from its
 * corpus, it answers with the corpus answer word for word, through the official client as through
 * the SDK.
 */
class OpenAiClientIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CONSUMER = 4;
  private static final TokenAmount OUTPUT_PRICE = TokenAmount.of(30_000); // per output token
  private static final TokenAmount DEPOSIT = TokenAmount.ofTokens("1");
  private static final int MAX_TOKENS = 160;
  private static final String QUESTION = "What is Verinfer?";
  private static final String ANSWER = // runtime/packs/verinfer-chat/corpus/01-basics.txt
      "Verinfer is a decentralized marketplace for AI inference on Ethereum, written in Java.";

  @TempDir Path dir;
  private TextResult sdkExtra;

  @Test
  void theOfficialOpenAiClientChatsThroughTheGatewayAndPaysExactlyTheTokens() throws Exception {
    try (Marketplace market = Marketplace.open(dir)) {
      ModelId model = market.publishPackAt(ChatDemoPack.write(dir.resolve("packs")), 300);
      Provider first = market.startProvider(11, OUTPUT_PRICE);
      Provider second = market.startProvider(12, OUTPUT_PRICE);
      VerinferClient client =
          market.consumer(CONSUMER, ClientOptions.defaults().withTimeout(Duration.ofSeconds(30)));
      client.deposit(DEPOSIT);
      VerinferChain admin = market.chain(0);
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      TokenAmount inputPrice = inputPrice(http, first, model);
      assertThat(inputPrice(http, second, model)).isEqualTo(inputPrice);
      assertThat(inputPrice.compareTo(OUTPUT_PRICE)).isLessThanOrEqualTo(0);

      try (Gateway gateway =
          new Gateway(client, Map.of(ChatDemoPack.NAME, model), "127.0.0.1", 0)) {
        JsonNode out = runChat(gateway.baseUrl() + "/v1", ChatDemoPack.NAME, MAX_TOKENS);
        JsonNode whole = out.path("whole");
        JsonNode stream = out.path("stream");
        JsonNode cold = out.path("coldStream");
        System.out.printf(
            "OpenAiClientIT: first stream through the fresh gateway: TTFT %d ms, total %d ms,"
                + " %d tokens/s%n",
            cold.path("ttftMs").asLong(),
            cold.path("totalMs").asLong(),
            cold.path("tokensPerSecond").asLong());
        System.out.printf(
            "OpenAiClientIT: whole %d ms; warm stream TTFT %d ms, last chunk %d ms, total %d ms,"
                + " %d chunks, %d completion tokens, %d tokens/s through the gateway%n",
            whole.path("ms").asLong(),
            stream.path("ttftMs").asLong(),
            stream.path("lastChunkMs").asLong(),
            stream.path("totalMs").asLong(),
            stream.path("chunks").asInt(),
            stream.path("usage").path("completion_tokens").asInt(),
            stream.path("tokensPerSecond").asLong());

        // the same stream through the SDK alone, for the figures: what the gateway adds
        long sdkStart = System.nanoTime();
        long sdkFirst = 0;
        int sdkTokens = 0;
        try (TextStream s =
            client.streamText(
                model,
                TextGeneration.chat(
                        List.of(
                            ChatMessage.system("You are Verinfer's assistant."),
                            ChatMessage.user(QUESTION)))
                    .withMaxTokens(MAX_TOKENS)
                    .withTemperature(0)
                    .withSeed(7))) {
          while (s.hasNext()) {
            sdkTokens += s.next().tokens().length;
            if (sdkFirst == 0) {
              sdkFirst = System.nanoTime();
            }
          }
          sdkExtra = s.result();
        }
        long sdkEnd = System.nanoTime();
        System.out.printf(
            "OpenAiClientIT: SDK alone TTFT %d ms, total %d ms, %d tokens, %d tokens/s%n",
            (sdkFirst - sdkStart) / 1_000_000,
            (sdkEnd - sdkStart) / 1_000_000,
            sdkTokens,
            sdkTokens * 1_000_000_000L / (sdkEnd - sdkStart));

        // greedy with one seed: the same text whole and streamed, every token counted
        assertThat(whole.path("text").asText()).isEqualTo(ANSWER);
        assertThat(whole.path("finish").asText()).isEqualTo("stop");
        assertThat(sdkExtra.text()).isEqualTo(ANSWER);
        assertThat(stream.path("text").asText()).isEqualTo(whole.path("text").asText());
        assertThat(stream.path("usage")).isEqualTo(whole.path("usage"));
        assertThat(cold.path("text").asText()).isEqualTo(whole.path("text").asText());
        assertThat(stream.path("finish").asText()).isEqualTo(whole.path("finish").asText());
        int completion = stream.path("usage").path("completion_tokens").asInt();
        int prompt = stream.path("usage").path("prompt_tokens").asInt();
        assertThat(prompt).isPositive();
        assertThat(stream.path("usage").path("total_tokens").asInt())
            .isEqualTo(prompt + completion);
        if (whole.path("finish").asText().equals("length")) {
          assertThat(completion).isEqualTo(MAX_TOKENS);
        }
        // chunks as decoded: the first token goes out alone at once, tokens decoded within 20 ms
        // of each other share a chunk (a ~35-token answer takes a few), the first ahead of the last
        assertThat(stream.path("chunks").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(stream.path("ttftMs").asLong()).isLessThan(stream.path("lastChunkMs").asLong());
        if (completion >= 64) {
          assertThat(stream.path("ttftMs").asLong() * 4)
              .isLessThan(stream.path("totalMs").asLong());
        }
        // the final receipt and amount ride on the last event
        JsonNode receipt = stream.path("verinfer");
        assertThat(receipt.path("receipt").asText()).startsWith("v1.");
        assertThat(new BigInteger(receipt.path("amount").asText()))
            .isEqualTo(cost(inputPrice, prompt, completion).baseUnits());
        // OpenAI-shaped refusals through the official client
        assertThat(out.path("refused").path("status").asInt()).isEqualTo(400);
        assertThat(out.path("refused").path("code").asText()).isEqualTo("EMPTY_INPUT");
        JsonNode raw = out.path("completion");
        assertThat(raw.path("usage").path("completion_tokens").asInt()).isBetween(1, 8);

        // a request beyond the context: the provider's 400 relayed as it is, nothing charged
        TokenAmount beforeRefusal = lanesTotal(client, List.of(first, second), model);
        HttpResponse<String> tooLong =
            http.send(
                HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/chat/completions"))
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"verinfer-chat\",\"max_tokens\":100000,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(tooLong.statusCode()).as(tooLong.body()).isEqualTo(400);
        JsonNode error = JSON.readTree(tooLong.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("CONTEXT_LENGTH_EXCEEDED");
        assertThat(error.path("param").asText()).isEqualTo("max_tokens");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        HttpResponse<String> badRole =
            http.send(
                HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/chat/completions"))
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"verinfer-chat\","
                                + "\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(badRole.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(badRole.body()).path("error").path("param").asText())
            .isEqualTo("messages[0].role");
        assertThat(lanesTotal(client, List.of(first, second), model)).isEqualTo(beforeRefusal);

        // streamed and then checked on the other provider: the report rides on the last event
        HttpResponse<java.util.stream.Stream<String>> sampled =
            http.send(
                HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/chat/completions"))
                    .header("Content-Type", "application/json")
                    .header("X-Verinfer-Verify", "sampled(1.0)")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"verinfer-chat\",\"max_tokens\":40,\"stream\":true,"
                                + "\"stream_options\":{\"include_usage\":true},"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"check me\"}]}"))
                    .build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(sampled.statusCode()).isEqualTo(200);
        assertThat(sampled.headers().firstValue("Content-Type").orElse(""))
            .startsWith("text/event-stream");
        List<String> data =
            sampled.body().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
        assertThat(data.getLast()).isEqualTo("[DONE]");
        JsonNode lastEvent = JSON.readTree(data.get(data.size() - 2));
        assertThat(lastEvent.path("verinfer").path("verification").asText())
            .startsWith("sampled(1.0); AGREED; providers=");
        JsonNode sampledUsage = lastEvent.path("usage");
        assertThat(sampledUsage.path("completion_tokens").asInt()).isBetween(1, 40);
        TokenAmount sampledCost =
            cost(
                inputPrice,
                sampledUsage.path("prompt_tokens").asInt(),
                sampledUsage.path("completion_tokens").asInt());

        // money: the lanes' newest vouchers hold exactly the three generations' tokens' price
        TokenAmount expected =
            sdkExtra
                .amount() // the SDK's own stream
                .plus(sampledCost.times(2)) // the sampled call and its re-run
                .plus(cost(inputPrice, prompt, completion)) // whole
                .plus(cost(inputPrice, prompt, completion)) // streamed cold
                .plus(cost(inputPrice, prompt, completion)) // streamed warm
                .plus(
                    cost(
                        inputPrice,
                        raw.path("usage").path("prompt_tokens").asInt(),
                        raw.path("usage").path("completion_tokens").asInt()));
        assertThat(lanesTotal(client, List.of(first, second), model)).isEqualTo(expected);
        TokenAmount depositBefore = client.depositBalance();
        first.settleAll();
        second.settleAll();
        assertThat(depositBefore.minus(client.depositBalance())).isEqualTo(expected);
        TokenAmount redeemed = TokenAmount.ZERO;
        for (Provider p : List.of(first, second)) {
          redeemed =
              redeemed.plus(admin.channels().laneOf(client.address(), p.address(), model).amount());
        }
        assertThat(redeemed).isEqualTo(expected);
        assertThat(client.usage().spend()).isEqualTo(expected);
      }
    }
  }

  private static TokenAmount cost(TokenAmount inputPrice, long prompt, long completion) {
    return inputPrice.times(prompt).plus(OUTPUT_PRICE.times(completion));
  }

  private static TokenAmount lanesTotal(
      VerinferClient client, List<Provider> providers, ModelId model) {
    TokenAmount sum = TokenAmount.ZERO;
    for (Provider p : providers) {
      sum =
          sum.plus(
              client
                  .newestVoucher(p.address(), model)
                  .map(SignedVoucher::voucher)
                  .map(v -> v.cumulativeAmount())
                  .orElse(TokenAmount.ZERO));
    }
    return sum;
  }

  /** The input token price the node quotes at its {@code /v1/models}. */
  private static TokenAmount inputPrice(HttpClient plain, Provider p, ModelId model)
      throws IOException, InterruptedException {
    HttpClient http =
        p.tlsPin()
            .map(pin -> HttpClient.newBuilder().sslContext(pin.sslContext()).build())
            .orElse(plain);
    HttpResponse<String> models =
        http.send(
            HttpRequest.newBuilder(URI.create(p.endpoint() + "/v1/models")).build(),
            HttpResponse.BodyHandlers.ofString());
    for (JsonNode m : JSON.readTree(models.body()).path("data")) {
      if (m.path("verinfer").path("model_id").asText().equals(Long.toString(model.value()))) {
        return TokenAmount.of(
            new BigInteger(m.path("verinfer").path("prices").path("input").asText()));
      }
    }
    throw new AssertionError("provider " + p + " quotes no prices for model " + model);
  }

  private static JsonNode runChat(String baseUrl, String model, int maxTokens)
      throws IOException, InterruptedException {
    Path root = Path.of(System.getProperty("verinfer.root", ".."));
    Process p =
        new ProcessBuilder(
                "bash",
                root.resolve("examples/openai/chat.sh").toString(),
                baseUrl,
                model,
                Integer.toString(maxTokens),
                QUESTION)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    String last = out.lines().reduce((a, b) -> b).orElse("");
    return JSON.readTree(last);
  }
}
