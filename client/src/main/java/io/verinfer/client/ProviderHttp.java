package io.verinfer.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.Signature;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import io.verinfer.protocol.tls.TlsPin;
import io.verinfer.protocol.tls.TransportPolicy;
import java.io.IOException;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * The two provider endpoints a paying client uses, over HTTP/1.1 with a timeout each: HTTPS pinned
 * to the provider's on-chain key, or plain HTTP where {@link TransportPolicy} allows it.
 */
final class ProviderHttp implements AutoCloseable {
  /** A provider's answer to an inference call. */
  record Reply(int status, String body, Optional<String> receiptHeader) {}

  /**
   * What a provider holds on a lane, as its lane endpoint reports it: its newest voucher's values
   * and signature (absent on a lane it never answered), and the calls below it that it has not
   * answered.
   */
  record HeldLane(TokenAmount amount, long calls, Optional<Signature> signature, long[] gaps) {
    /** The newest voucher's values on {@code lane}. */
    Voucher voucher(LaneKey lane) {
      return new Voucher(lane.consumer(), lane.provider(), lane.modelId(), amount, calls);
    }

    /** Whether the provider reports call {@code #c} as answered. */
    boolean answered(long c) {
      return c <= calls && java.util.Arrays.stream(gaps).noneMatch(g -> g == c);
    }
  }

  private final HttpClient http;
  private final Duration timeout;
  private final TransportPolicy policy;
  // one client per registered key: each trusts exactly that key (TlsPin), nothing else
  private final java.util.Map<TlsPin, HttpClient> pinned =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Plain HTTP allowed (the devnet's policy); for tests of the client's logic. */
  ProviderHttp(Duration timeout) {
    this(timeout, new TransportPolicy(TransportPolicy.DEVNET_CHAIN_ID, false));
  }

  ProviderHttp(Duration timeout, TransportPolicy policy) {
    this.timeout = timeout;
    this.policy = policy;
    this.http = builder().build();
  }

  private HttpClient.Builder builder() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER); // a redirect must not carry a voucher away
  }

  /**
   * The client for {@code offer}: HTTPS pinned to its registered key, or plain HTTP where the
   * policy allows it.
   *
   * @throws IOException refusing HTTPS without a registered key, or plain HTTP off the devnet
   */
  private HttpClient clientFor(ProviderOffer offer) throws IOException {
    if ("https".equalsIgnoreCase(offer.endpoint().getScheme())) {
      TlsPin pin =
          offer
              .pin()
              .orElseThrow(
                  () ->
                      new IOException(
                          "provider "
                              + offer.provider()
                              + " serves HTTPS but registered no TLS key on-chain: refusing"));
      return pinned.computeIfAbsent(pin, p -> builder().sslContext(p.sslContext()).build());
    }
    policy.check(offer.endpoint(), offer.provider());
    return http;
  }

  /** {@code POST {endpoint}{path}} paid with {@code voucherHeader} (none when null). */
  Reply post(ProviderOffer offer, String path, String voucherHeader, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(offer.resolve(path))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (voucherHeader != null) {
      request.header(PaymentHeaders.VOUCHER, voucherHeader);
    }
    HttpResponse<String> response =
        clientFor(offer).send(request.build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(
        response.statusCode(),
        response.body(),
        response.headers().firstValue(PaymentHeaders.RECEIPT));
  }

  /** A provider's answer to a streamed call: its status and, on 200, the event lines. */
  record StreamReply(int status, java.util.stream.Stream<String> lines, String errorBody) {}

  /**
   * {@code POST {endpoint}{path}} paid with {@code voucherHeader}, answered as server-sent events:
   * the timeout bounds the wait for the status line; the lines are read as they arrive (close the
   * stream to hang up). A non-200 answer is read whole into {@code errorBody}.
   */
  StreamReply stream(ProviderOffer offer, String path, String voucherHeader, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(offer.resolve(path))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("Accept", "text/event-stream")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (voucherHeader != null) {
      request.header(PaymentHeaders.VOUCHER, voucherHeader);
    }
    HttpResponse<java.util.stream.Stream<String>> response =
        clientFor(offer).send(request.build(), HttpResponse.BodyHandlers.ofLines());
    if (response.statusCode() != 200) {
      try (java.util.stream.Stream<String> lines = response.body()) {
        return new StreamReply(response.statusCode(), null, String.join("\n", lines.toList()));
      }
    }
    return new StreamReply(200, response.body(), null);
  }

  /** {@code POST {endpoint}/v1/lanes/{consumer}/{model}/voucher} with {@code voucherHeader}. */
  Reply postVoucher(ProviderOffer offer, Address consumer, ModelId model, String voucherHeader)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(
                offer.resolve("/v1/lanes/" + consumer + "/" + model.value() + "/voucher"))
            .timeout(timeout)
            .header(PaymentHeaders.VOUCHER, voucherHeader)
            .POST(HttpRequest.BodyPublishers.noBody())
            .build();
    HttpResponse<String> response =
        clientFor(offer).send(request, HttpResponse.BodyHandlers.ofString());
    return new Reply(response.statusCode(), response.body(), Optional.empty());
  }

  /** {@code GET {endpoint}{path}}, answered 200 with JSON, else an IOException. */
  JsonNode getJson(ProviderOffer offer, String path) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(offer.resolve(path)).timeout(timeout).GET().build();
    HttpResponse<String> response =
        clientFor(offer).send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException(path + " answered HTTP " + response.statusCode());
    }
    try {
      return V2Json.parse(response.body());
    } catch (IllegalArgumentException e) {
      throw new IOException(path + " answered no JSON: " + e.getMessage(), e);
    }
  }

  /**
   * {@code GET {endpoint}/v1/lanes/{consumer}/{model}}.
   *
   * @throws IOException when the provider cannot be reached or answers anything but a lane
   */
  HeldLane lane(ProviderOffer offer, Address consumer, ModelId model)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(offer.resolve("/v1/lanes/" + consumer + "/" + model.value()))
            .timeout(timeout)
            .GET()
            .build();
    HttpResponse<String> response =
        clientFor(offer).send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException(
          "lane endpoint answered HTTP " + response.statusCode() + ": " + response.body());
    }
    try {
      JsonNode lane = V2Json.parse(response.body());
      String amount = lane.path("cumulativeAmount").asText("");
      JsonNode calls = lane.path("cumulativeCalls");
      if (!amount.matches("[0-9]{1,39}") || !calls.canConvertToLong() || calls.asLong() < 0) {
        throw new IllegalArgumentException("cumulativeAmount or cumulativeCalls is malformed");
      }
      Optional<Signature> signature = Optional.empty();
      if (lane.hasNonNull("r") && lane.hasNonNull("vs")) {
        signature =
            Optional.of(
                Signature.fromCompact(
                    Bytes32.fromHex(lane.get("r").asText()),
                    Bytes32.fromHex(lane.get("vs").asText())));
      }
      JsonNode gapsNode = lane.path("gaps");
      long[] gaps = new long[gapsNode.size()];
      for (int i = 0; i < gaps.length; i++) {
        if (!gapsNode.get(i).canConvertToLong()) {
          throw new IllegalArgumentException("gaps must be call numbers");
        }
        gaps[i] = gapsNode.get(i).asLong();
      }
      return new HeldLane(TokenAmount.of(new BigInteger(amount)), calls.asLong(), signature, gaps);
    } catch (IllegalArgumentException e) {
      throw new IOException("lane endpoint answered an unreadable lane: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    http.close();
    pinned.values().forEach(HttpClient::close);
  }
}
