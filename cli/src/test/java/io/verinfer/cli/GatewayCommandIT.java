package io.verinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.devnet.DevnetSupervisor;
import io.verinfer.chain.facade.ModelRegistryFacade;
import io.verinfer.client.ClientOptions;
import io.verinfer.client.VerinferClient;
import io.verinfer.node.NodeServer;
import io.verinfer.node.PaidSettings;
import io.verinfer.node.ProviderNode;
import io.verinfer.node.payment.Settler;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.ModelManifest;
import io.verinfer.runtime.packs.minilm.MiniLmPack;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code verinfer gateway} against a real devnet: minilm-embed published by an author, one paid
 * provider node serving it, and a consumer (dev account 3) whose deposit pays for calls made over
 * real HTTP on 127.0.0.1 through the command.
 */
class GatewayCommandIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int AUTHOR = 14;
  private static final int PROVIDER = 8;
  private static final int CONSUMER = 3;
  private static final TokenAmount PRICE = TokenAmount.of(5_000);

  @TempDir static Path dir;
  private static DevnetSupervisor devnet;
  private static Path deployment;
  private static ModelId model;
  private static ProviderNode node;

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  @BeforeAll
  static void start() throws IOException {
    deployment = dir.resolve("devnet.json");
    devnet =
        DevnetSupervisor.start(
            DevnetSupervisor.Options.defaults().withDeploymentFile(deployment), s -> {});
    Path pack = MiniLmPack.write(dir.resolve("packs"));
    ModelManifest manifest = ModelManifest.read(pack);
    Cid cid = Cid.of(Files.readAllBytes(manifest.modelFile(pack)));
    try (VerinferChain author = VerinferChain.connect(devnet.deployment(), account(AUTHOR));
        VerinferChain consumer = VerinferChain.connect(devnet.deployment(), account(CONSUMER))) {
      model =
          author
              .models()
              .publish(
                  new ModelRegistryFacade.Publication(
                      cid,
                      "onnx",
                      manifest.schemaHash(),
                      1_000, // 10 % royalty
                      manifest.tolerancePpm()));
      TokenAmount deposit = TokenAmount.ofTokens("1");
      consumer.token().approve(consumer.channels().address(), deposit);
      consumer.channels().deposit(deposit);
    }
    node =
        ProviderNode.start(
            new ProviderNode.Config(
                dir.resolve("provider-store"),
                List.of(pack),
                NodeServer.Options.loopback(),
                EngineConfig.defaults(),
                false,
                new PaidSettings(
                    devnet.deployment(),
                    account(PROVIDER),
                    dir.resolve("provider-ledger.db"),
                    Map.of(MiniLmPack.NAME, PRICE),
                    PRICE,
                    new Settler.Policy(
                        TokenAmount.ofTokens("1"), Duration.ofHours(1), 100, Duration.ofHours(1)))),
            s -> {});
  }

  @AfterAll
  static void stop() {
    try {
      if (node != null) {
        node.close();
      }
    } finally {
      devnet.close();
    }
  }

  private static org.web3j.crypto.Credentials account(int index) {
    return DevAccounts.account(index);
  }

  @Test
  void servesPaidEmbeddingsFromTheWalletUntilStopped() throws Exception {
    Path state = dir.resolve("gateway-client");
    CompletableFuture<Integer> listening = new CompletableFuture<>();
    CountDownLatch stop = new CountDownLatch(1);
    CommandLine cli =
        Main.commandLine(
            new CommandLine.IFactory() {
              @Override
              public <K> K create(Class<K> cls) throws Exception {
                return cls == GatewayCommand.class
                    ? cls.cast(new GatewayCommand(listening::complete, stop))
                    : CommandLine.defaultFactory().create(cls);
              }
            });
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    ExecutorService runner = Executors.newSingleThreadExecutor();
    try {
      CompletableFuture<Integer> exit =
          CompletableFuture.supplyAsync(
              () ->
                  cli.execute(
                      "gateway",
                      "--port",
                      "0",
                      "--deployment",
                      deployment.toString(),
                      "--dev-account",
                      Integer.toString(CONSUMER),
                      "--client-state",
                      state.toString(),
                      "--model",
                      MiniLmPack.NAME + "=" + model.value()),
              runner);
      CompletableFuture.anyOf(listening, exit).get(2, TimeUnit.MINUTES);
      assertThat(exit).as("the command ended early: %s%s", out, err).isNotDone();
      String base = "http://127.0.0.1:" + listening.get();

      JsonNode models = JSON.readTree(get(base + "/v1/models").body());
      assertThat(models.path("data").findValuesAsText("id")).containsExactly(MiniLmPack.NAME);

      HttpResponse<String> embedded =
          post(
              base + "/v1/embeddings",
              "{\"model\":\"minilm-embed\",\"input\":[\"A man is playing a guitar.\","
                  + "\"Someone is playing an instrument.\"]}");
      assertThat(embedded.statusCode()).as(embedded.body()).isEqualTo(200);
      JsonNode data = JSON.readTree(embedded.body()).path("data");
      assertThat(data.size()).isEqualTo(2);
      assertThat(data.get(0).path("embedding").size()).isEqualTo(MiniLmPack.DIMENSIONS);
      assertThat(cosine(data.get(0).path("embedding"), data.get(1).path("embedding")))
          .isGreaterThan(0.5);
      Address provider = Address.of(account(PROVIDER).getAddress());
      assertThat(embedded.headers().firstValue("X-Verinfer-Provider"))
          .hasValueSatisfying(p -> assertThat(Address.of(p)).isEqualTo(provider));
      assertThat(embedded.headers().firstValue(PaymentHeaders.RECEIPT)).isPresent();

      HttpResponse<String> unknown =
          post(base + "/v1/embeddings", "{\"model\":\"no-such-model\",\"input\":\"hello\"}");
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(JSON.readTree(unknown.body()).path("error").path("code").asText())
          .isEqualTo("UNKNOWN_MODEL");

      stop.countDown(); // what Ctrl-C does through the shutdown hook
      assertThat(exit.get(30, TimeUnit.SECONDS)).as("%s%s", out, err).isZero();
      assertThat(out.toString())
          .contains("listening  127.0.0.1:" + listening.get())
          .contains("wallet     " + Address.of(account(CONSUMER).getAddress()).value())
          .contains("deposit    1 VRF")
          .contains("minilm-embed → model " + model.value())
          .contains("OpenAI clients: base URL " + base + "/v1")
          .contains("gateway stopped")
          .doesNotContain("warning:");
      assertThatThrownBy(() -> get(base + "/health")).isInstanceOf(IOException.class);
      // the client was closed: its state directory can be opened again
      VerinferClient.connect(
              devnet.deployment(), account(CONSUMER), state, ClientOptions.defaults())
          .close();
    } finally {
      stop.countDown();
      runner.shutdownNow();
    }

    // the call was really paid: the provider redeems one voucher and the Counter NFT shows it
    assertThat(node.settler().orElseThrow().settleAll()).isEqualTo(1);
    try (VerinferChain reader = VerinferChain.connect(devnet.deployment(), account(CONSUMER))) {
      var usage = reader.counter().usageOf(Address.of(account(CONSUMER).getAddress()));
      assertThat(usage.calls()).isEqualTo(1); // the refused call cost nothing
      assertThat(usage.spend()).isEqualTo(PRICE);
    }
  }

  @Test
  void badValuesNameTheOptionAndExitWith2() throws IOException {
    Run noId = run("--model", "minilm-embed");
    assertThat(noId.exit()).isEqualTo(2);
    assertThat(noId.err()).contains("--model expects NAME=ID");

    Run numberName = run("--model", "7=" + model.value());
    assertThat(numberName.exit()).isEqualTo(2);
    assertThat(numberName.err()).contains("--model 7=").contains("NAME must not be a number");

    Run unregistered = run("--model", "minilm-embed=99");
    assertThat(unregistered.exit()).isEqualTo(2);
    assertThat(unregistered.err())
        .contains("--model minilm-embed=99")
        .contains("no model 99 in this deployment's ModelRegistry");

    Run badRpc = run("--rpc", "localhost:8545");
    assertThat(badRpc.exit()).isEqualTo(2);
    assertThat(badRpc.err()).contains("--rpc must be an http:// or https:// JSON-RPC URL");

    Run badPort = run("--port", "70000");
    assertThat(badPort.exit()).isEqualTo(2);
    assertThat(badPort.err()).contains("--port must be 0..65535");

    Path held = dir.resolve("held-client");
    VerinferClient holder =
        VerinferClient.connect(
            devnet.deployment(), account(CONSUMER), held, ClientOptions.defaults());
    try {
      Run locked = run(held);
      assertThat(locked.exit()).isEqualTo(2);
      assertThat(locked.err()).contains("another VerinferClient").contains("--client-state");
    } finally {
      holder.close();
    }

    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Run busy = run("--port", Integer.toString(taken.getLocalPort()));
      assertThat(busy.exit()).isEqualTo(2);
      assertThat(busy.err())
          .contains("cannot listen on 127.0.0.1:" + taken.getLocalPort())
          .contains("--port");
    }
  }

  record Run(int exit, String out, String err) {}

  /** Runs {@code verinfer gateway} with the test's deployment, consumer and extra arguments. */
  private static Run run(String... extra) {
    return run(dir.resolve("refused-client"), extra);
  }

  private static Run run(Path clientState, String... extra) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "gateway",
                "--deployment",
                deployment.toString(),
                "--dev-account",
                Integer.toString(CONSUMER),
                "--client-state",
                clientState.toString()));
    args.addAll(List.of(extra));
    CommandLine cli = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  private HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String url, String body)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static double cosine(JsonNode a, JsonNode b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.size(); i++) {
      double x = a.get(i).asDouble();
      double y = b.get(i).asDouble();
      dot += x * y;
      na += x * x;
      nb += y * y;
    }
    return dot / Math.sqrt(na * nb);
  }
}
