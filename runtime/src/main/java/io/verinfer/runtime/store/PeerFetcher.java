package io.verinfer.runtime.store;

import io.verinfer.protocol.Cid;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches a missing blob by CID from peers' {@code GET /ipfs/{cid}}, trying each peer in turn. The
 * hash is checked while the bytes stream into the store: a blob that does not match its CID is
 * discarded and the next peer is tried.
 */
public final class PeerFetcher {
  private static final Logger LOG = LoggerFactory.getLogger(PeerFetcher.class);

  /** Progress of one download: bytes so far and the total if the peer said it (else -1). */
  public interface Progress {
    void update(URI peer, long bytes, long total);
  }

  private final HttpClient http;
  private final ModelStore store;
  private final Duration timeout;

  public PeerFetcher(ModelStore store, Duration timeout) {
    this.store = store;
    this.timeout = timeout;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
  }

  /**
   * Makes {@code cid} present in the store, fetching it from the first peer that serves matching
   * bytes. Does nothing if it is already there.
   *
   * @throws IOException naming every peer tried and why it failed
   */
  public void fetch(Cid cid, List<URI> peers, Progress progress) throws IOException {
    if (store.contains(cid)) {
      return;
    }
    List<String> failures = new ArrayList<>();
    for (URI peer : peers) {
      URI url = peer.resolve("/ipfs/" + cid);
      try {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout).GET().build();
        HttpResponse<InputStream> response =
            http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
          if (response.statusCode() != 200) {
            failures.add(peer + ": HTTP " + response.statusCode());
            continue;
          }
          long total = response.headers().firstValueAsLong("content-length").orElse(-1);
          store.putExpected(cid, body, n -> progress.update(peer, n, total));
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
