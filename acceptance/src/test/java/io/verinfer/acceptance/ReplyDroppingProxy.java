package io.verinfer.acceptance;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP forwarder in front of a provider node on 127.0.0.1 that can lose replies on demand:
 * {@link #dropNextInferReplies(int)} lets the next inference requests reach the node (which runs
 * the model and keeps the voucher) and then cuts the client's connection without an answer — the
 * one failure a paying client cannot tell from the node never having seen the request.
 */
final class ReplyDroppingProxy implements AutoCloseable {
  private static final List<String> FORWARDED =
      List.of("Content-Type", "X-Verinfer-Voucher", "X-Verinfer-Receipt");

  private final URI upstream;
  private final HttpServer server;
  private final HttpClient http;
  private final AtomicInteger toDrop = new AtomicInteger();
  private final AtomicInteger dropped = new AtomicInteger();

  /**
   * A plain-HTTP forwarder (the devnet allows it) to {@code upstreamBaseUrl}, reached over HTTPS
   * pinned to {@code upstreamPin} when the node serves HTTPS.
   */
  ReplyDroppingProxy(
      String upstreamBaseUrl, java.util.Optional<io.verinfer.protocol.tls.TlsPin> upstreamPin) {
    this.upstream = URI.create(upstreamBaseUrl);
    HttpClient.Builder client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1);
    upstreamPin.ifPresent(pin -> client.sslContext(pin.sslContext()));
    this.http = client.build();
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on 127.0.0.1", e);
    }
    server.createContext("/", this::forward);
    server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    server.start();
  }

  /** The base URL clients should use. */
  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The next {@code n} inference replies are lost after the node has answered. */
  void dropNextInferReplies(int n) {
    toDrop.set(n);
  }

  /** How many replies were lost so far. */
  int dropped() {
    return dropped.get();
  }

  private void forward(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      HttpRequest.Builder request =
          HttpRequest.newBuilder(upstream.resolve(exchange.getRequestURI().toString()))
              .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
      for (String name : FORWARDED) {
        String value = exchange.getRequestHeaders().getFirst(name);
        if (value != null) {
          request.header(name, value);
        }
      }
      HttpResponse<byte[]> response;
      try {
        response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return; // closing the exchange unanswered cuts the connection
      }
      if (exchange.getRequestURI().getPath().endsWith("/infer")
          && toDrop.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        dropped.incrementAndGet();
        return; // the node answered (and kept the voucher); the client never hears of it
      }
      for (Map.Entry<String, List<String>> h : response.headers().map().entrySet()) {
        if (FORWARDED.stream().anyMatch(f -> f.equalsIgnoreCase(h.getKey()))) {
          exchange.getResponseHeaders().put(h.getKey(), h.getValue());
        }
      }
      int length = response.body().length;
      exchange.sendResponseHeaders(response.statusCode(), length == 0 ? -1 : length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(response.body());
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    http.close();
  }
}
