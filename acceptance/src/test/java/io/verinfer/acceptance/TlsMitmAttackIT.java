package io.verinfer.acceptance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.acceptance.Marketplace.Provider;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.facade.PaymentChannelsFacade.LaneState;
import io.verinfer.client.ClientOptions;
import io.verinfer.client.InferenceResult;
import io.verinfer.client.NoProviderAvailableException;
import io.verinfer.client.VerinferClient;
import io.verinfer.client.gateway.Gateway;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.tls.TlsPin;
import io.verinfer.runtime.packs.minilm.MiniLmPack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exploit: issue 12 "Transport" — a man in the middle between a consumer (SDK or gateway) and a
 * provider reads or alters inference traffic (inputs, outputs, and the vouchers that pay for them).
 *
 * <p>A paid provider serves HTTPS and registers its key's pin on-chain; the attacker sits on
 * 127.0.0.1 with another self-signed key, and the provider's on-chain endpoint leads to it (as a
 * hijacked DNS name or route would). Both the SDK and the gateway refuse the attacker's key during
 * the handshake, before any request byte is sent: the attacker obtains <b>0 bytes of plaintext</b>
 * and serves <b>0 calls</b>; the lane on-chain is unchanged and the SDK's error names the key
 * mismatch. The client's local ledger keeps the one voucher (#1) it signed for the refused call,
 * which never left the machine, and the next good call re-uses that number (nothing is lost). The
 * same calls straight to the provider then succeed over HTTPS, pinned to the key the node
 * registered itself.
 */
class TlsMitmAttackIT {
  private static final int PROVIDER = 8;
  private static final int CONSUMER = 3;
  private static final TokenAmount PRICE = TokenAmount.of(5_000);

  @TempDir Path dir;

  @Test
  void aManInTheMiddleWithAnotherKeyGetsNoPlaintextAndNoPaidCall() throws Exception {
    try (Marketplace market = Marketplace.open(dir)) {
      ModelId model = market.publishMiniLm(200);
      Provider provider = market.startProvider(PROVIDER, PRICE);
      VerinferChain chain = market.chain(PROVIDER);
      TlsPin pin = provider.tlsPin().orElseThrow();
      assertThat(provider.endpoint()).startsWith("https://127.0.0.1:");
      assertThat(chain.providers().provider(provider.address()).tlsFingerprint())
          .as("a paid HTTPS node registers its own key's pin")
          .isEqualTo(pin.spkiSha256());

      VerinferClient client =
          market.consumer(CONSUMER, ClientOptions.defaults().withTimeout(Duration.ofSeconds(10)));
      client.deposit(TokenAmount.of(1_000_000));
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

      try (TlsInterceptingProxy mitm = new TlsInterceptingProxy(provider.endpoint());
          Gateway gateway = new Gateway(client, Map.of(MiniLmPack.NAME, model), "127.0.0.1", 0)) {
        assertThat(mitm.pin()).isNotEqualTo(pin);
        // the route to the provider now leads to the attacker; the registered key stays the same
        chain.providers().updateEndpoint(mitm.baseUrl(), pin.spkiSha256());
        LaneState laneBefore = laneOf(market, client, provider, model);
        var usageBefore = client.usage();

        assertThatThrownBy(() -> client.embed(model, List.of("a secret prompt")))
            .isInstanceOf(NoProviderAvailableException.class)
            .hasMessageContaining("TLS key mismatch")
            .hasMessageContaining(pin.toString());

        HttpResponse<String> viaGateway = embed(http, gateway);
        assertThat(viaGateway.statusCode()).as(viaGateway.body()).isEqualTo(503);
        assertThat(viaGateway.body()).contains("NO_PROVIDER").contains("TLS key mismatch");

        assertThat(mitm.attempts()).as("the clients did reach the attacker").isGreaterThan(0);
        assertThat(mitm.handshakes()).as("handshakes completed with the attacker's key").isZero();
        assertThat(mitm.plaintextBytes()).as("plaintext the attacker read").isZero();
        assertThat(laneOf(market, client, provider, model)).isEqualTo(laneBefore);
        assertThat(client.usage()).isEqualTo(usageBefore);
        // the SDK signed voucher #1 for the refused call, but it never left this machine (0 bytes
        // reached anyone): the node holds nothing and the next call re-uses number 1
        assertThat(client.outstanding())
            .extracting(v -> v.voucher().cumulativeCalls())
            .containsExactly(1L);

        // without the attacker the same calls succeed over HTTPS, pinned to the registered key
        chain.providers().updateEndpoint(provider.endpoint(), pin.spkiSha256());
        InferenceResult direct = client.embed(model, List.of("a secret prompt"));
        assertThat(direct.provider()).isEqualTo(provider.address());
        HttpResponse<String> ok = embed(http, gateway);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(
                client
                    .newestVoucher(provider.address(), model)
                    .orElseThrow()
                    .voucher()
                    .cumulativeCalls())
            .isEqualTo(2);
        assertThat(mitm.plaintextBytes()).isZero();
      }
    }
  }

  private static LaneState laneOf(
      Marketplace market, VerinferClient client, Provider provider, ModelId model) {
    return market.chain(0).channels().laneOf(client.address(), provider.address(), model);
  }

  private static HttpResponse<String> embed(HttpClient http, Gateway gateway) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/embeddings"))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"" + MiniLmPack.NAME + "\",\"input\":\"a secret prompt\"}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
