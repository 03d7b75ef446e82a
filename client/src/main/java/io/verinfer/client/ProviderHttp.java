package io.verinfer.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.TokenAmount;
import java.io.IOException;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/** The two provider endpoints a paying client uses, over plain HTTP/1.1 with a timeout each. */
final class ProviderHttp implements AutoCloseable {
  /** A provider's answer to an inference call. */
  record Reply(int status, String body, Optional<String> receiptHeader) {}

  /** The newest voucher a provider holds on a lane, as its lane endpoint reports it. */
  record HeldVoucher(TokenAmount amount, long calls) {}

  private final HttpClient http;
  private final Duration timeout;

  ProviderHttp(Duration timeout) {
    this.timeout = timeout;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER) // a redirect must not carry a voucher away
            .build();
  }

  /** {@code POST {endpoint}{path}} paid with {@code voucherHeader}. */
  Reply post(ProviderOffer offer, String path, String voucherHeader, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(offer.resolve(path))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header(PaymentHeaders.VOUCHER, voucherHeader)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    return new Reply(
        response.statusCode(),
        response.body(),
        response.headers().firstValue(PaymentHeaders.RECEIPT));
  }

  /**
   * {@code GET {endpoint}/v1/lanes/{consumer}/{model}}.
   *
   * @throws IOException when the provider cannot be reached or answers anything but a lane
   */
  HeldVoucher lane(ProviderOffer offer, Address consumer, ModelId model)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(offer.resolve("/v1/lanes/" + consumer + "/" + model.value()))
            .timeout(timeout)
            .GET()
            .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
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
      return new HeldVoucher(TokenAmount.of(new BigInteger(amount)), calls.asLong());
    } catch (IllegalArgumentException e) {
      throw new IOException("lane endpoint answered an unreadable lane: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    http.close();
  }
}
