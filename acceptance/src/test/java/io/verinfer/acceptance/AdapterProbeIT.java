package io.verinfer.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.acceptance.Marketplace.Provider;
import io.verinfer.adapter.Canary;
import io.verinfer.adapter.ExternalAdapter;
import io.verinfer.adapter.Prober;
import io.verinfer.adapter.ProviderProbe;
import io.verinfer.adapter.ProviderProbe.CanaryResult;
import io.verinfer.client.ClientOptions;
import io.verinfer.client.VerinferClient;
import io.verinfer.node.faults.FaultInjection;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.tls.TransportPolicy;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The availability adapter (issue 15, first part) against real provider nodes on the devnet: an
 * honest provider is up and passes the paid canary, one that corrupts its answers (fault injection)
 * is up but fails it, one that was stopped is down and does not answer; the same findings come back
 * through the Chainlink External Adapter convention, and bad requests are refused with the
 * convention's error object naming the field.
 */
class AdapterProbeIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ADAPTER_WALLET = 7;

  private static final TransportPolicy DEVNET =
      new TransportPolicy(TransportPolicy.DEVNET_CHAIN_ID, false);

  @TempDir Path dir;

  @Test
  void theAdapterTellsUpFromDownAndRightFromWrong() throws Exception {
    try (Marketplace market = Marketplace.open(dir)) {
      ModelId model = market.publishFraudDetect(50);
      Provider honest = market.startProvider(8, TokenAmount.of(1_000));
      Provider liar = market.startProvider(9, TokenAmount.of(1_000), new FaultInjection(1.0, 3));
      Provider dead = market.startProvider(10, TokenAmount.of(1_000));
      dead.stop(); // still listed on-chain, its port closed

      // the known answer: the adapter's operator runs the model it fetched by CID
      Canary canary = Canaries.fraudDetect(model, dir.resolve("adapter-store"));

      VerinferClient wallet =
          market.consumer(
              ADAPTER_WALLET, ClientOptions.defaults().withTimeout(Duration.ofSeconds(5)));
      wallet.deposit(TokenAmount.ofTokens("1"));
      Prober prober = new Prober(wallet, Duration.ofSeconds(2), DEVNET);
      Map<Object, ProviderProbe> found =
          prober.probeAll(canary).stream()
              .collect(Collectors.toMap(ProviderProbe::provider, Function.identity()));

      assertThat(found).containsKeys(honest.address(), liar.address(), dead.address());
      ProviderProbe h = found.get(honest.address());
      assertThat(h.up()).isTrue();
      assertThat(h.healthMicros()).isPositive();
      assertThat(h.canary()).isEqualTo(CanaryResult.PASSED);
      assertThat(h.healthy()).isTrue();
      ProviderProbe l = found.get(liar.address());
      assertThat(l.up()).isTrue();
      assertThat(l.canary()).isEqualTo(CanaryResult.WRONG);
      assertThat(l.note()).contains("canary answer wrong");
      assertThat(l.healthy()).isFalse();
      ProviderProbe d = found.get(dead.address());
      assertThat(d.up()).isFalse();
      assertThat(d.healthMicros()).isEqualTo(-1);
      assertThat(d.canary()).isEqualTo(CanaryResult.NO_ANSWER);

      // the same through the External Adapter convention
      try (ExternalAdapter adapter =
          new ExternalAdapter(
              new Prober(wallet, Duration.ofSeconds(2), DEVNET), List.of(canary), "127.0.0.1", 0)) {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> ok =
            post(http, adapter, "{\"id\":\"job-1\",\"data\":{\"model\":" + model.value() + "}}");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(ok.body());
        assertThat(answer.path("jobRunID").asText()).isEqualTo("job-1");
        assertThat(answer.path("statusCode").asInt()).isEqualTo(200);
        assertThat(answer.path("result").asInt()).isEqualTo(1); // one healthy provider
        assertThat(answer.path("data").path("up").asInt()).isEqualTo(2);
        Map<String, String> canaries =
            java.util.stream.StreamSupport.stream(
                    answer.path("data").path("providers").spliterator(), false)
                .collect(
                    Collectors.toMap(
                        p -> p.path("provider").asText(), p -> p.path("canary").asText()));
        assertThat(canaries)
            .containsEntry(honest.address().value(), "PASSED")
            .containsEntry(liar.address().value(), "WRONG")
            .containsEntry(dead.address().value(), "NO_ANSWER");

        HttpResponse<String> noModel = post(http, adapter, "{\"id\":\"job-2\",\"data\":{}}");
        assertThat(noModel.statusCode()).isEqualTo(400);
        JsonNode err = JSON.readTree(noModel.body());
        assertThat(err.path("jobRunID").asText()).isEqualTo("job-2");
        assertThat(err.path("status").asText()).isEqualTo("errored");
        assertThat(err.path("error").path("message").asText()).startsWith("data.model");
        HttpResponse<String> unknown =
            post(http, adapter, "{\"id\":\"job-3\",\"data\":{\"model\":999999}}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).path("error").path("name").asText())
            .isEqualTo("UNKNOWN_MODEL");
        assertThat(post(http, adapter, "{not json").statusCode()).isEqualTo(400);
      }
    }
  }

  private static HttpResponse<String> post(HttpClient http, ExternalAdapter adapter, String body)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(adapter.baseUrl())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
