package io.verinfer.node;

import io.verinfer.node.tls.TlsIdentity;
import io.verinfer.protocol.tls.TlsPin;
import java.net.http.HttpClient;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * HTTP/1.1 clients for tests that call a node directly: one per TLS key, trusting exactly that key
 * as the SDK does, kept so that a test's calls reuse one connection instead of a handshake each.
 */
public final class PinnedHttp {
  private static final HttpClient PLAIN =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final Map<TlsPin, HttpClient> PINNED = new ConcurrentHashMap<>();

  private PinnedHttp() {}

  /** A client for {@code server}: pinned to its key when it serves HTTPS. */
  public static HttpClient to(NodeServer server) {
    return to(server.tls().map(TlsIdentity::pin));
  }

  /** A client for {@code node}: pinned to its key when it serves HTTPS. */
  public static HttpClient to(ProviderNode node) {
    return to(node.tlsPin());
  }

  /** A client pinned to {@code pin}, or plain HTTP when there is none. */
  public static HttpClient to(Optional<TlsPin> pin) {
    return pin.map(
            p ->
                PINNED.computeIfAbsent(
                    p,
                    k ->
                        HttpClient.newBuilder()
                            .version(HttpClient.Version.HTTP_1_1)
                            .sslContext(k.sslContext())
                            .build()))
        .orElse(PLAIN);
  }
}
