package io.verinfer.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.devnet.DevnetSupervisor;
import io.verinfer.chain.facade.ModelRegistryFacade;
import io.verinfer.node.api.V2Codec;
import io.verinfer.node.faults.FaultInjection;
import io.verinfer.node.faults.OutputCorruptor;
import io.verinfer.node.payment.Settler;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.LocalKeySigner;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.OutputComparator;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.ModelManifest;
import io.verinfer.runtime.packs.minilm.MiniLmPack;
import io.verinfer.runtime.packs.train.BuildPacks;
import io.verinfer.runtime.text.Embeddings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault injection on paid devnet nodes over loopback HTTP: a node corrupting every answer returns a
 * corrupted output together with a receipt it signed over exactly that output (its own proof of
 * fraud), on both the Open Inference Protocol and {@code /v1/embeddings}; a node with fraction 0
 * answers what the model computes.
 */
class FaultInjectionIT {
  @TempDir Path dir;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final TokenAmount PRICE = TokenAmount.of(2_000);
  private static final int FAULTY = 8;
  private static final int HONEST = 9;
  private static final int CONSUMER = 2;
  private static final List<Tensor> FEATURES =
      List.of(
          Tensor.ofFloats(
              "features", new long[] {1, 8}, new float[] {120, 22, 2, 35, 3, 400, 1, 0}));
  private static final String INFER_BODY =
      "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,8],\"datatype\":\"FP32\","
          + "\"data\":[120,22,2,35,3,400,1,0]}]}";
  private static final String EMBED_BODY =
      "{\"model\":\"minilm-embed\",\"input\":[\"A man is playing a guitar.\",\"fault injection\"],"
          + "\"encoding_format\":\"base64\"}";

  /** What one paid call returned: its outputs and the receipt that came with them. */
  record Answer(List<Tensor> outputs, SignedReceipt receipt, JsonNode body) {}

  @Test
  void aFaultyNodeSignsTheCorruptedOutputItReturnsAndAnHonestNodeAnswersTheModel()
      throws Exception {
    try (DevnetSupervisor devnet =
        DevnetSupervisor.start(DevnetSupervisor.Options.defaults(), s -> {})) {
      Path fraud = BuildPacks.build("fraud-detect", dir.resolve("packs"));
      Path minilm = MiniLmPack.write(dir.resolve("packs"));
      ModelId fraudId = publish(devnet, fraud);
      ModelId minilmId = publish(devnet, minilm);
      long fraudTolerance = ModelManifest.read(fraud).tolerancePpm();

      try (ProviderNode faulty =
              startNode(devnet, FAULTY, List.of(fraud, minilm), new FaultInjection(1.0, 7));
          ProviderNode honest =
              startNode(devnet, HONEST, List.of(fraud, minilm), new FaultInjection(0.0, 7));
          VerinferChain consumer =
              VerinferChain.connect(devnet.deployment(), DevAccounts.account(CONSUMER))) {
        consumer.token().approve(consumer.channels().address(), TokenAmount.of(1_000_000));
        consumer.channels().deposit(TokenAmount.of(1_000_000));
        LocalKeySigner signer = LocalKeySigner.of(DevAccounts.account(CONSUMER).getEcKeyPair());
        Eip712Domain domain = consumer.channels().domain();

        // Open Inference Protocol
        Answer bad = infer(faulty, FAULTY, fraudId, signer, domain);
        Answer good = infer(honest, HONEST, fraudId, signer, domain);
        for (Answer a : List.of(bad, good)) {
          assertThat(a.receipt().receipt().outputHash())
              .isEqualTo(CanonicalTensors.hash(a.outputs()));
          assertThat(a.receipt().receipt().inputHash()).isEqualTo(CanonicalTensors.hash(FEATURES));
          assertThat(a.body().path("parameters").path("output_hash").asText())
              .isEqualTo(CanonicalTensors.hash(a.outputs()).hex());
        }
        assertThat(good.outputs()).isEqualTo(honest.engine().infer("fraud-detect", FEATURES));
        assertThat(bad.outputs()).isEqualTo(OutputCorruptor.corrupt(good.outputs()));
        assertThat(OutputComparator.agree(good.outputs(), bad.outputs(), fraudTolerance)).isFalse();

        // OpenAI embeddings
        Answer badText = embed(faulty, FAULTY, minilmId, signer, domain);
        Answer goodText = embed(honest, HONEST, minilmId, signer, domain);
        for (Answer a : List.of(badText, goodText)) {
          assertThat(a.receipt().receipt().outputHash())
              .isEqualTo(CanonicalTensors.hash(a.outputs()));
        }
        assertThat(
                OutputComparator.agree(
                    goodText.outputs(), badText.outputs(), MiniLmPack.TOLERANCE_PPM))
            .isFalse();
        // an honest embedding is a unit vector; a corrupted one is not
        assertThat(norm(goodText.outputs().get(0), 0)).isCloseTo(1.0, within(1e-3));
        assertThat(norm(badText.outputs().get(0), 0)).isGreaterThan(1.5);

        assertThat(scrape(faulty)).contains("verinfer_faults_injected_total 2.0");
        assertThat(scrape(honest)).contains("verinfer_faults_injected_total 0.0");
      }
    }
  }

  private ModelId publish(DevnetSupervisor devnet, Path pack) throws Exception {
    ModelManifest manifest = ModelManifest.read(pack);
    Cid cid = Cid.of(Files.readAllBytes(manifest.modelFile(pack)));
    try (VerinferChain author =
        VerinferChain.connect(devnet.deployment(), DevAccounts.account(14))) {
      return author
          .models()
          .publish(
              new ModelRegistryFacade.Publication(
                  cid, "onnx", manifest.schemaHash(), 50, manifest.tolerancePpm()));
    }
  }

  private ProviderNode startNode(
      DevnetSupervisor devnet, int account, List<Path> packs, FaultInjection faults) {
    PaidSettings paid =
        new PaidSettings(
            devnet.deployment(),
            DevAccounts.account(account),
            dir.resolve("ledger-" + account + ".db"),
            Map.of(),
            PRICE,
            new Settler.Policy(
                TokenAmount.ofTokens("1"), Duration.ofHours(1), 100, Duration.ofHours(1)));
    return ProviderNode.start(
        new ProviderNode.Config(
                dir.resolve("store-" + account),
                packs,
                NodeServer.Options.loopback(),
                EngineConfig.defaults(),
                false,
                paid)
            .withFaults(faults),
        s -> {});
  }

  private static String voucher(
      int provider, ModelId model, LocalKeySigner signer, Eip712Domain domain) {
    Address to = Address.of(DevAccounts.account(provider).getAddress());
    return PaymentHeaders.encode(
        SignedVoucher.sign(new Voucher(signer.address(), to, model, PRICE, 1), domain, signer));
  }

  private static Answer post(
      ProviderNode node,
      String path,
      String body,
      String voucher,
      int provider,
      Eip712Domain domain)
      throws Exception {
    HttpResponse<String> response =
        PinnedHttp.to(node)
            .send(
                HttpRequest.newBuilder(URI.create(node.baseUrl() + path))
                    .header("Content-Type", "application/json")
                    .header(PaymentHeaders.VOUCHER, voucher)
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    SignedReceipt receipt =
        PaymentHeaders.decodeReceipt(
            response.headers().firstValue(PaymentHeaders.RECEIPT).orElseThrow());
    assertThat(receipt.verify(domain)).isTrue();
    assertThat(receipt.receipt().provider())
        .isEqualTo(Address.of(DevAccounts.account(provider).getAddress()));
    return new Answer(List.of(), receipt, JSON.readTree(response.body()));
  }

  private static Answer infer(
      ProviderNode node, int provider, ModelId model, LocalKeySigner signer, Eip712Domain domain)
      throws Exception {
    Answer a =
        post(
            node,
            "/v2/models/" + model.value() + "/infer",
            INFER_BODY,
            voucher(provider, model, signer, domain),
            provider,
            domain);
    List<Tensor> outputs =
        V2Codec.inputs(JSON.createObjectNode().set("inputs", a.body().get("outputs")), 1_000);
    return new Answer(outputs, a.receipt(), a.body());
  }

  private static Answer embed(
      ProviderNode node, int provider, ModelId model, LocalKeySigner signer, Eip712Domain domain)
      throws Exception {
    Answer a =
        post(
            node,
            "/v1/embeddings",
            EMBED_BODY,
            voucher(provider, model, signer, domain),
            provider,
            domain);
    List<float[]> vectors = new ArrayList<>();
    for (JsonNode item : a.body().get("data")) {
      ByteBuffer bytes =
          ByteBuffer.wrap(Base64.getDecoder().decode(item.get("embedding").asText()))
              .order(ByteOrder.LITTLE_ENDIAN);
      float[] v = new float[bytes.remaining() / 4];
      bytes.asFloatBuffer().get(v);
      vectors.add(v);
    }
    assertThat(vectors).hasSize(2);
    Tensor embeddings = new Embeddings(vectors, 0).toTensor("embeddings");
    return new Answer(List.of(embeddings), a.receipt(), a.body());
  }

  /** The L2 norm of row {@code row} of a [rows, dims] FP32 tensor. */
  private static double norm(Tensor t, int row) {
    int dims = (int) t.shape()[1];
    float[] all = t.toFloats();
    double sum = 0;
    for (int i = row * dims; i < (row + 1) * dims; i++) {
      sum += (double) all[i] * all[i];
    }
    return Math.sqrt(sum);
  }

  private static String scrape(ProviderNode node) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create(node.metricsUrl().orElseThrow())).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
