package io.verinfer.runtime.store;

import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.tls.TlsPin;
import io.verinfer.protocol.tls.TransportPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches a missing blob by CID from peers' {@code GET /ipfs/{cid}}, trying each peer in turn. The
 * hash is checked while the bytes stream into the store: a blob that does not match its CID is
 * discarded and the next peer is tried. An HTTPS peer is reached only with its pinned TLS key (the
 * provider's on-chain {@code tlsFingerprint}), a plain HTTP peer only where the {@link
 * TransportPolicy} allows it (the devnet, or when told so).
 */
public final class PeerFetcher {
  private static final Logger LOG = LoggerFactory.getLogger(PeerFetcher.class);

  /**
   * A peer: its base URL and, for HTTPS, the pin of its key.
   *
   * @param url the node's base URL, {@code https://host:port} or {@code http://host:port}
   * @param pin the SHA-256 of its key's SubjectPublicKeyInfo (needed for HTTPS)
   */
  public record Peer(URI url, Optional<TlsPin> pin) {
    public Peer {
      java.util.Objects.requireNonNull(url, "url");
      java.util.Objects.requireNonNull(pin, "pin");
    }

    public static Peer plain(URI url) {
      return new Peer(url, Optional.empty());
    }

    public static Peer pinned(URI url, TlsPin pin) {
      return new Peer(url, Optional.of(pin));
    }

    /**
     * {@code URL} or {@code URL#sha256/0xHEX} (the key pin as {@code verinfer node} prints it; the
     * fragment never leaves this machine).
     *
     * @throws IllegalArgumentException naming what is wrong with {@code value}
     */
    public static Peer parse(String value) {
      int hash = value.indexOf('#');
      String url = hash < 0 ? value : value.substring(0, hash);
      URI uri;
      try {
        uri = new URI(url);
      } catch (java.net.URISyntaxException e) {
        throw new IllegalArgumentException("'" + value + "' is not a URL: " + e.getMessage(), e);
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
        throw new IllegalArgumentException(
            "a peer must be http(s)://HOST:PORT[#sha256/0xHEX], not '" + value + "'");
      }
      if (hash < 0) {
        return plain(uri);
      }
      String pin = value.substring(hash + 1);
      String hex = pin.startsWith("sha256/") ? pin.substring("sha256/".length()) : pin;
      try {
        return pinned(uri, new TlsPin(Bytes32.fromHex(hex.startsWith("0x") ? hex : "0x" + hex)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "the key pin after '#' in '" + value + "' must be sha256/0x and 64 hex digits", e);
      }
    }

    @Override
    public String toString() {
      return url.toString();
    }
  }

  /** Progress of one download: bytes so far and the total if the peer said it (else -1). */
  public interface Progress {
    void update(URI peer, long bytes, long total);
  }

  private final HttpClient http;
  private final ModelStore store;
  private final Duration timeout;
  private final TransportPolicy policy;
  // one client per pinned key: each trusts exactly that key (TlsPin), nothing else
  private final Map<TlsPin, HttpClient> pinned = new ConcurrentHashMap<>();

  /**
   * @param policy where plain HTTP peers are allowed (the devnet, or explicitly)
   */
  public PeerFetcher(ModelStore store, Duration timeout, TransportPolicy policy) {
    this.store = store;
    this.timeout = timeout;
    this.policy = java.util.Objects.requireNonNull(policy, "policy");
    this.http = builder().build();
  }

  private static HttpClient.Builder builder() {
    return HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(5))
        .version(HttpClient.Version.HTTP_1_1);
  }

  private HttpClient clientFor(Peer peer) throws IOException {
    if ("https".equalsIgnoreCase(peer.url().getScheme())) {
      TlsPin pin =
          peer.pin()
              .orElseThrow(
                  () ->
                      new IOException(
                          "peer "
                              + peer.url()
                              + " serves HTTPS but no TLS key pin was given: pass it as "
                              + peer.url()
                              + "#sha256/0x… (the provider's on-chain tlsFingerprint)"));
      return pinned.computeIfAbsent(pin, p -> builder().sslContext(p.sslContext()).build());
    }
    policy.check(peer.url());
    return http;
  }

  /**
   * Makes {@code cid} present in the store, fetching it from the first peer that serves matching
   * bytes. Does nothing if it is already there.
   *
   * @throws IOException naming every peer tried and why it failed
   */
  public void fetch(Cid cid, List<Peer> peers, Progress progress) throws IOException {
    if (store.contains(cid)) {
      return;
    }
    List<String> failures = new ArrayList<>();
    for (Peer peer : peers) {
      URI url = peer.url().resolve("/ipfs/" + cid);
      try {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout).GET().build();
        HttpResponse<InputStream> response =
            clientFor(peer).send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
          if (response.statusCode() != 200) {
            failures.add(peer + ": HTTP " + response.statusCode());
            continue;
          }
          long total = response.headers().firstValueAsLong("content-length").orElse(-1);
          store.putExpected(cid, body, n -> progress.update(peer.url(), n, total));
          LOG.info("fetched {} from {}", cid, peer);
          return;
        }
      } catch (IOException e) {
        LOG.warn("fetching {} from {} failed: {}", cid, peer, e.getMessage());
        failures.add(peer + ": " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while fetching " + cid, e);
      }
    }
    throw new IOException("no peer served " + cid + " intact: " + failures);
  }
}
