package io.verinfer.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.tls.TransportPolicy;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client's transport rule against a real plain-HTTP provider on 127.0.0.1: refused off the
 * devnet with an error naming the provider and the switch, accepted with the switch or on the
 * devnet.
 */
class ProviderTransportTest {
  private static final Address PROVIDER = Address.of("0x" + "ab".repeat(20));
  private static final long MAINNET = 1;

  private HttpServer server;
  private final AtomicInteger served = new AtomicInteger();
  private ProviderOffer offer;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          served.incrementAndGet();
          byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    offer =
        new ProviderOffer(
            PROVIDER,
            URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
            TokenAmount.of(1));
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private ProviderHttp.Reply call(TransportPolicy policy) throws Exception {
    try (ProviderHttp http = new ProviderHttp(Duration.ofSeconds(5), policy)) {
      return http.post(offer, "/v2/models/1/infer", null, "{}".getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void offTheDevnetAPlainHttpProviderIsRefusedNamingTheProviderAndTheSwitch() {
    assertThatThrownBy(() -> call(new TransportPolicy(MAINNET, false)))
        .isInstanceOf(TransportPolicy.PlainHttpRefusedException.class)
        .hasMessageContaining("refusing plain HTTP to provider " + PROVIDER)
        .hasMessageContaining(offer.endpoint().toString())
        .hasMessageContaining("on chain 1")
        .hasMessageContaining(TransportPolicy.SWITCH)
        .hasMessageContaining("--allow-plain-http-providers");
    assertThat(served).as("not one byte was sent").hasValue(0);
  }

  @Test
  void theSwitchOrTheDevnetAllowPlainHttp() throws Exception {
    assertThat(call(new TransportPolicy(MAINNET, true)).status()).isEqualTo(200);
    assertThat(call(new TransportPolicy(TransportPolicy.DEVNET_CHAIN_ID, false)).status())
        .isEqualTo(200);
    assertThat(served).hasValue(2);
  }

  @Test
  void theClientOptionIsOffByDefault() {
    assertThat(ClientOptions.defaults().allowPlainHttpProviders()).isFalse();
    assertThat(ClientOptions.defaults().withAllowPlainHttpProviders(true).allowPlainHttpProviders())
        .isTrue();
  }
}
