package io.verinfer.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.devnet.DevnetSupervisor;
import io.verinfer.chain.facade.ModelRegistryFacade;
import io.verinfer.node.payment.Settler;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.LocalKeySigner;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.ModelManifest;
import io.verinfer.runtime.packs.train.BuildPacks;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A paid provider node bootstraps itself on-chain, takes vouchers and settles them. */
class PaidProviderNodeIT {
  @TempDir Path dir;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TokenAmount PRICE = TokenAmount.of(2_000);

  @Test
  void stakesRegistersServesPaidCallsAndSettles() throws Exception {
    try (DevnetSupervisor devnet =
        DevnetSupervisor.start(DevnetSupervisor.Options.defaults(), s -> {})) {
      Path pack = BuildPacks.build("fraud-detect", dir.resolve("packs"));
      ModelManifest manifest = ModelManifest.read(pack);
      Cid cid = Cid.of(Files.readAllBytes(manifest.modelFile(pack)));
      ModelId modelId;
      try (VerinferChain author =
          VerinferChain.connect(devnet.deployment(), DevAccounts.account(14))) {
        modelId =
            author
                .models()
                .publish(
                    new ModelRegistryFacade.Publication(
                        cid, "onnx", manifest.schemaHash(), 50, 1_000));
      }
      PaidSettings paid =
          new PaidSettings(
              devnet.deployment(),
              DevAccounts.account(8),
              dir.resolve("ledger.db"),
              Map.of("fraud-detect", PRICE),
              TokenAmount.of(1_000),
              new Settler.Policy(
                  TokenAmount.ofTokens("1"), Duration.ofHours(1), 100, Duration.ofHours(1)));
      try (ProviderNode node =
              ProviderNode.start(
                  new ProviderNode.Config(
                      dir.resolve("store"),
                      List.of(pack),
                      NodeServer.Options.loopback(),
                      EngineConfig.defaults(),
                      false,
                      paid),
                  s -> {});
          VerinferChain consumer =
              VerinferChain.connect(devnet.deployment(), DevAccounts.account(2))) {
        var me =
            consumer
                .providers()
                .provider(io.verinfer.protocol.Address.of(DevAccounts.account(8).getAddress()));
        assertThat(me.registered()).isTrue();
        assertThat(me.endpoint()).isEqualTo(node.baseUrl());
        assertThat(consumer.providers().isEligible(me.provider(), modelId)).isTrue();
        assertThat(consumer.providers().priceOf(me.provider(), modelId)).isEqualTo(PRICE);

        consumer.token().approve(consumer.channels().address(), TokenAmount.of(100_000));
        consumer.channels().deposit(TokenAmount.of(100_000));
        LocalKeySigner signer = LocalKeySigner.of(DevAccounts.account(2).getEcKeyPair());
        Eip712Domain domain = consumer.channels().domain();
        assertThat(me.endpoint()).startsWith("https://");
        assertThat(me.tlsFingerprint()).isEqualTo(node.tlsPin().orElseThrow().spkiSha256());
        HttpClient http = PinnedHttp.to(node);
        for (long call = 1; call <= 5; call++) {
          Voucher v =
              new Voucher(signer.address(), me.provider(), modelId, PRICE.times(call), call);
          HttpResponse<String> response =
              http.send(
                  HttpRequest.newBuilder(
                          URI.create(me.endpoint() + "/v2/models/" + modelId.value() + "/infer"))
                      .header("Content-Type", "application/json")
                      .header(
                          PaymentHeaders.VOUCHER,
                          PaymentHeaders.encode(SignedVoucher.sign(v, domain, signer)))
                      .POST(
                          HttpRequest.BodyPublishers.ofString(
                              "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,8],\"datatype\":\"FP32\",\"data\":[120,22,2,35,3,400,1,0]}]}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
          SignedReceipt receipt =
              PaymentHeaders.decodeReceipt(
                  response.headers().firstValue(PaymentHeaders.RECEIPT).orElseThrow());
          assertThat(receipt.verify(domain)).isTrue();
          assertThat(receipt.receipt().cumulativeCalls()).isEqualTo(call);
        }
        JsonNode lane =
            JSON.readTree(
                http.send(
                        HttpRequest.newBuilder(
                                URI.create(
                                    me.endpoint()
                                        + "/v1/lanes/"
                                        + signer.address()
                                        + "/"
                                        + modelId.value()))
                            .build(),
                        HttpResponse.BodyHandlers.ofString())
                    .body());
        assertThat(lane.path("cumulativeCalls").asLong()).isEqualTo(5);

        assertThat(node.settler().orElseThrow().settleAll()).isEqualTo(1);
        assertThat(consumer.channels().laneOf(signer.address(), me.provider(), modelId).calls())
            .isEqualTo(5);
        assertThat(consumer.channels().depositOf(signer.address()))
            .isEqualTo(TokenAmount.of(100_000).minus(PRICE.times(5)));
        assertThat(consumer.counter().usageOf(signer.address()).calls()).isEqualTo(5);

        String metrics =
            http.send(
                    HttpRequest.newBuilder(URI.create(node.metricsUrl().orElseThrow())).build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(metrics)
            .contains("verinfer_paid_calls_total 5.0")
            .contains("verinfer_ledger_changes_total 6.0") // five answers and one redemption
            .contains("verinfer_redeemed_lanes_total 1.0")
            .contains("verinfer_redeem_batches_total 1.0")
            .contains("verinfer_lanes_pending 0.0")
            .contains("verinfer_unredeemed_base_units 0.0");
      }
    }
  }
}
