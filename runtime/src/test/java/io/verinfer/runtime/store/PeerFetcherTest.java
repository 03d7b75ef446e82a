package io.verinfer.runtime.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.tls.TransportPolicy;
import io.verinfer.runtime.store.PeerFetcher.Peer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fetching by CID from real HTTP peers on 127.0.0.1, honest and lying. */
class PeerFetcherTest {
  private static final TransportPolicy DEVNET =
      new TransportPolicy(TransportPolicy.DEVNET_CHAIN_ID, false);

  @TempDir Path dir;
  private final List<HttpServer> servers = new java.util.ArrayList<>();

  @AfterEach
  void stop() {
    servers.forEach(s -> s.stop(0));
  }

  /** A peer answering GET /ipfs/{cid} with whatever {@code body} returns for the CID string. */
  private URI peer(Function<String, byte[]> body) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/ipfs/",
        exchange -> {
          String cid = exchange.getRequestURI().getPath().substring("/ipfs/".length());
          byte[] bytes = body.apply(cid);
          if (bytes == null) {
            exchange.sendResponseHeaders(404, -1);
          } else {
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(bytes);
            }
          }
          exchange.close();
        });
    server.start();
    servers.add(server);
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  @Test
  void aModelFetchedFromAPeerIsByteIdenticalAndItsCidChecks() throws IOException {
    byte[] model = new byte[2 * 1024 * 1024];
    new Random(3).nextBytes(model);
    Cid cid = Cid.of(model);
    byte[] forged = model.clone();
    forged[12_345] ^= 1;
    URI liar = peer(c -> forged);
    URI missing = peer(c -> null);
    URI honest = peer(c -> c.equals(cid.toString()) ? model : null);

    LocalModelStore store = new LocalModelStore(dir.resolve("store"));
    AtomicLong progress = new AtomicLong();
    new PeerFetcher(store, Duration.ofSeconds(10), DEVNET)
        .fetch(
            cid,
            List.of(Peer.plain(liar), Peer.plain(missing), Peer.plain(honest)),
            (peer, bytes, total) -> progress.set(bytes));

    assertThat(store.read(cid)).isEqualTo(model);
    assertThat(progress.get()).isEqualTo(model.length);
    assertThat(store.list()).containsExactly(cid); // the forged blob was never stored
  }

  @Test
  void whenEveryPeerLiesNothingIsStored() throws IOException {
    Cid cid = Cid.of(new byte[] {1, 2, 3});
    URI liar = peer(c -> new byte[] {1, 2, 4});
    LocalModelStore store = new LocalModelStore(dir.resolve("store2"));
    assertThatThrownBy(
            () ->
                new PeerFetcher(store, Duration.ofSeconds(5), DEVNET)
                    .fetch(cid, List.of(Peer.plain(liar)), (p, b, t) -> {}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("no peer served");
    assertThat(store.contains(cid)).isFalse();
    assertThat(store.list()).isEmpty();
  }

  @Test
  void offTheDevnetAPlainHttpPeerIsRefusedUnlessAllowedExplicitly() throws IOException {
    byte[] model = {7, 7, 7};
    Cid cid = Cid.of(model);
    URI honest = peer(c -> model);
    LocalModelStore store = new LocalModelStore(dir.resolve("store3"));
    assertThatThrownBy(
            () ->
                new PeerFetcher(store, Duration.ofSeconds(5), new TransportPolicy(1, false))
                    .fetch(cid, List.of(Peer.plain(honest)), (p, b, t) -> {}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("refusing plain HTTP to provider endpoint " + honest)
        .hasMessageContaining("on chain 1")
        .hasMessageContaining(TransportPolicy.SWITCH);
    assertThat(store.contains(cid)).isFalse();

    new PeerFetcher(store, Duration.ofSeconds(5), new TransportPolicy(1, true))
        .fetch(cid, List.of(Peer.plain(honest)), (p, b, t) -> {});
    assertThat(store.read(cid)).isEqualTo(model);
  }

  @Test
  void anHttpsPeerNeedsItsKeyPin() {
    Cid cid = Cid.of(new byte[] {1});
    LocalModelStore store = new LocalModelStore(dir.resolve("store4"));
    assertThatThrownBy(
            () ->
                new PeerFetcher(store, Duration.ofSeconds(5), DEVNET)
                    .fetch(cid, List.of(Peer.parse("https://127.0.0.1:1")), (p, b, t) -> {}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("serves HTTPS but no TLS key pin was given");
  }

  @Test
  void aPeerParsesWithAnOptionalPinFragment() {
    String hex = "0x" + "ab".repeat(32);
    Peer pinned = Peer.parse("https://10.0.0.1:8443#sha256/" + hex);
    assertThat(pinned.url()).isEqualTo(URI.create("https://10.0.0.1:8443"));
    assertThat(pinned.pin().orElseThrow().toString()).isEqualTo("sha256/" + hex);
    assertThat(Peer.parse("http://10.0.0.1:8080").pin()).isEmpty();
    assertThatThrownBy(() -> Peer.parse("https://10.0.0.1:8443#sha256/xyz"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("64 hex digits");
    assertThatThrownBy(() -> Peer.parse("ftp://10.0.0.1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("http(s)://HOST:PORT");
  }
}
