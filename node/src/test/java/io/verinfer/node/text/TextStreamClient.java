package io.verinfer.node.text;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.node.ProviderNode;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.LocalKeySigner;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * A consumer of paid text streams in tests, doing what the docs ask of the SDK: open with a voucher
 * above the lane's newest calls, pay the prompt's {@code due}, check every checkpoint and pay up to
 * it (or stop paying, for the attack tests).
 */
final class TextStreamClient {
  static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  final LocalKeySigner signer;
  final Address provider;
  final ModelId model;
  final Eip712Domain domain;
  final ProviderNode node;
  long amount; // the newest voucher this consumer signed on the lane
  long calls;

  TextStreamClient(
      int account, ProviderNode node, Address provider, ModelId model, Eip712Domain d) {
    this.signer = LocalKeySigner.of(DevAccounts.account(account).getEcKeyPair());
    this.node = node;
    this.provider = provider;
    this.model = model;
    this.domain = d;
  }

  String voucher(long amount, long calls) {
    return PaymentHeaders.encode(
        SignedVoucher.sign(
            new Voucher(signer.address(), provider, model, TokenAmount.of(amount), calls),
            domain,
            signer));
  }

  /** What one stream delivered. */
  static final class Result {
    final List<JsonNode> chunks = new ArrayList<>();
    final List<Integer> tokens = new ArrayList<>();
    final List<SignedReceipt> checkpoints = new ArrayList<>();
    JsonNode first;
    JsonNode error;
    String finish;
    JsonNode finalChunk;
    long base;

    int[] ids() {
      return tokens.stream().mapToInt(Integer::intValue).toArray();
    }

    SignedReceipt last() {
      return checkpoints.getLast();
    }
  }

  HttpResponse<InputStream> open(String path, String body, String voucher) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(node.baseUrl() + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (voucher != null) {
      b.header(PaymentHeaders.VOUCHER, voucher);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  HttpResponse<String> pay(long amount, long calls) throws Exception {
    return payWith(voucher(amount, calls));
  }

  HttpResponse<String> payWith(String voucher) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(
                        node.baseUrl()
                            + "/v1/lanes/"
                            + signer.address().value()
                            + "/"
                            + model.value()
                            + "/voucher"))
                .header(PaymentHeaders.VOUCHER, voucher)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return r;
  }

  void payTo(long target) throws Exception {
    if (target > amount) {
      HttpResponse<String> r = pay(target, calls);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      amount = target;
    }
  }

  /**
   * Runs one stream: opens it, pays the prompt when {@code payPrompt}, then pays each checkpoint
   * while fewer than {@code payTokens} completion tokens were paid for.
   */
  Result stream(String body, boolean payPrompt, int payTokens) throws Exception {
    Result result = new Result();
    result.base = amount;
    calls++;
    String opening = voucher(amount, calls);
    HttpResponse<InputStream> r = open("/v1/chat/completions", body, opening);
    assertThat(r.statusCode()).isEqualTo(200);
    try (SseEvents sse = new SseEvents(r.body())) {
      SseEvents.Event e;
      while ((e = sse.next()) != null && !e.done()) {
        JsonNode c = e.json();
        if (c.has("error")) {
          result.error = c.get("error");
          continue;
        }
        result.chunks.add(c);
        JsonNode v = c.path("verinfer");
        if (result.first == null) {
          result.first = c;
          assertThat(v.path("call").asLong()).isEqualTo(calls);
          if (payPrompt) {
            payTo(v.path("due").asLong());
          }
          continue;
        }
        if (c.path("choices").isEmpty()) {
          continue; // the usage chunk
        }
        v.path("tokens").forEach(t -> result.tokens.add(t.asInt()));
        JsonNode choice = c.path("choices").get(0);
        if (!choice.path("finish_reason").isNull()) {
          result.finish = choice.path("finish_reason").asText();
          result.finalChunk = c;
        }
        if (v.has("receipt")) {
          SignedReceipt receipt = PaymentHeaders.decodeReceipt(v.path("receipt").asText());
          result.checkpoints.add(receipt);
          int covered = v.path("completion_tokens").asInt();
          if (covered <= payTokens) {
            payTo(result.base + receipt.receipt().cumulativeAmount().baseUnits().longValueExact());
          }
        }
      }
    }
    return result;
  }
}
