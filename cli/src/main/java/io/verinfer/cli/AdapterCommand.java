package io.verinfer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.verinfer.adapter.Canary;
import io.verinfer.adapter.EpochReporter;
import io.verinfer.adapter.ExternalAdapter;
import io.verinfer.adapter.ObservationBook;
import io.verinfer.adapter.Prober;
import io.verinfer.adapter.StandingRefresher;
import io.verinfer.chain.Deployment;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.facade.AvailabilityOracleFacade;
import io.verinfer.client.V2Json;
import io.verinfer.client.VerinferClient;
import io.verinfer.protocol.LocalKeySigner;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.web3j.crypto.Credentials;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code verinfer adapter}: an availability adapter watching one model, answering the Chainlink
 * External Adapter convention on {@code POST /} (see docs/architecture.md, module {@code adapter}).
 * Its wallet pays the canaries. Runs until Ctrl-C.
 */
@Command(
    name = "adapter",
    mixinStandardHelpOptions = true,
    description =
        "Run an availability adapter: probes every provider of a model (health, latency, a paid"
            + " canary with a known answer) when an oracle job asks on POST / (Chainlink External"
            + " Adapter convention).")
public final class AdapterCommand implements Callable<Integer> {
  @Option(
      names = "--watch",
      required = true,
      paramLabel = "MODEL_ID",
      description = "The on-chain id of the model whose providers to probe.")
  long model;

  @Option(
      names = "--canary",
      required = true,
      paramLabel = "FILE",
      description =
          "JSON file: {\"inputs\": [...], \"outputs\": [...]} in the Open Inference Protocol"
              + " shape — a request and its right answer (run the model yourself to get it).")
  Path canaryFile;

  @Option(
      names = "--tolerance-ppm",
      paramLabel = "N",
      description = "How far an answer may be from the canary's (default: the model's own).")
  Long tolerancePpm;

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--port",
      defaultValue = "8090",
      description = "Port to listen on (default: ${DEFAULT-VALUE}; 0 picks a free port).")
  int port;

  @Option(
      names = "--report",
      description =
          "Also report to the AvailabilityOracle each epoch: probe every provider a few times an"
              + " epoch, sign the figures, and (when this adapter leads the epoch) submit the"
              + " adapters' report. Joins the oracle with --stake first if this wallet is not an"
              + " active adapter; the other adapters fetch its observations from --public-url.")
  boolean report;

  @Option(
      names = "--stake",
      defaultValue = "1000",
      paramLabel = "VRF",
      description = "Stake to join the oracle with, in whole VRF (default: ${DEFAULT-VALUE}).")
  String stake;

  @Option(
      names = "--public-url",
      paramLabel = "URL",
      description =
          "Where the other adapters reach this one (registered on-chain when joining; default:"
              + " the listening address).")
  String publicUrl;

  @Option(
      names = "--probes-per-epoch",
      defaultValue = "3",
      description = "Probe rounds an epoch (default: ${DEFAULT-VALUE}).")
  int probesPerEpoch;

  @Option(
      names = "--dispute-every-minutes",
      defaultValue = "10",
      description =
          "Dispute a canary answered wrongly on-chain (its receipt, the input and the wrong output;"
              + " the bond from this wallet), at most once per provider in this many minutes;"
              + " 0 never (default: ${DEFAULT-VALUE}).")
  long disputeEveryMinutes;

  @Mixin ConsumerCommands.Consumer consumer;

  @Spec CommandSpec spec;

  private final CountDownLatch stop = new CountDownLatch(1);

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    if (model < 1) {
      throw new UserError("--watch: model ids start at 1, not " + model);
    }
    if (port < 0 || port > 65_535) {
      throw new UserError("--port must be 0..65535 (0 picks a free port), not " + port);
    }
    if (tolerancePpm != null && tolerancePpm < 0) {
      throw new UserError("--tolerance-ppm must be >= 0, not " + tolerancePpm);
    }
    List<List<Tensor>> canary = readCanary(canaryFile);
    Deployment d = consumer.chain.deployment();
    Credentials credentials = consumer.chain.credentials(d);
    long tolerance;
    try (VerinferChain reader = VerinferChain.connect(d, credentials)) {
      if (model > reader.models().modelCount()) {
        throw new UserError(
            "--watch " + model + ": there is no such model (see `verinfer model list`)");
      }
      tolerance =
          tolerancePpm != null
              ? tolerancePpm
              : reader.models().model(ModelId.of(model)).tolerancePpm();
    }
    VerinferClient client =
        consumer.open(
            d,
            credentials,
            io.verinfer.client.ClientOptions.defaults()
                .withDiscoveryTtl(EpochReporter.DISCOVERY_TTL));
    if (disputeEveryMinutes < 0) {
      throw new UserError("--dispute-every-minutes must be 0 or more, not " + disputeEveryMinutes);
    }
    Prober prober =
        new Prober(
            client,
            Duration.ofSeconds(5),
            new io.verinfer.protocol.tls.TransportPolicy(
                d.chainId(), consumer.allowPlainHttpProviders),
            Duration.ofMinutes(disputeEveryMinutes));
    if (probesPerEpoch < 1 || probesPerEpoch > 60) {
      throw new UserError("--probes-per-epoch must be 1..60, not " + probesPerEpoch);
    }
    Canary watched = new Canary(ModelId.of(model), canary.get(0), canary.get(1), tolerance);
    ObservationBook book = new ObservationBook();
    ExternalAdapter adapter;
    try {
      adapter = new ExternalAdapter(prober, List.of(watched), book, host, port);
    } catch (RuntimeException e) {
      client.close();
      throw new UserError("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "adapter-shutdown"));
    out.printf(
        "adapter for model %d (tolerance %d ppm) listening on %s; wallet %s, deposit %s base units%n",
        model, tolerance, adapter.baseUrl(), client.address(), client.depositBalance());
    out.printf(
        "  curl -s %s -d '{\"id\":\"1\",\"data\":{\"model\":%d}}'%n", adapter.baseUrl(), model);
    EpochReporter reporter = null;
    VerinferChain chain = null;
    if (report) {
      chain = VerinferChain.connect(d, credentials);
      try {
        reporter = startReporting(chain, watched, book, adapter, prober, credentials, out);
      } catch (RuntimeException e) {
        adapter.close();
        client.close();
        chain.close();
        throw e;
      }
    }
    out.flush();
    try {
      stop.await();
    } finally {
      if (reporter != null) reporter.close();
      if (chain != null) chain.close();
      adapter.close();
      client.close();
    }
    return 0;
  }

  private EpochReporter startReporting(
      VerinferChain chain,
      Canary watched,
      ObservationBook book,
      ExternalAdapter adapter,
      Prober prober,
      Credentials credentials,
      PrintWriter out) {
    AvailabilityOracleFacade oracle = chain.oracle();
    var account = oracle.adapterOf(chain.account());
    if (!account.active()) {
      TokenAmount amount;
      try {
        amount = TokenAmount.ofTokens(stake);
      } catch (IllegalArgumentException e) {
        throw new UserError("--stake: not an amount of VRF: " + stake, e);
      }
      TokenAmount minimum = oracle.params().minAdapterStake();
      if (amount.compareTo(minimum) < 0) {
        throw new UserError(
            "--stake " + stake + ": the oracle needs at least " + minimum.toTokens() + " VRF");
      }
      String url = publicUrl != null ? publicUrl : adapter.baseUrl().toString();
      chain.token().approve(oracle.address(), amount);
      oracle.join(amount, url);
      out.printf("joined the AvailabilityOracle with %s VRF as %s%n", amount.toTokens(), url);
    }
    EpochReporter reporter =
        new EpochReporter(
                prober,
                watched,
                oracle,
                LocalKeySigner.of(credentials.getEcKeyPair()),
                book,
                chain::latestTimestamp,
                new EpochReporter.Settings(
                    probesPerEpoch, Duration.ofSeconds(2), Duration.ofMillis(500)),
                new StandingRefresher(chain.providers(), chain.reputation(), oracle))
            .start();
    out.printf(
        "reporting model %d each %d s epoch: %d active adapters, quorum %d%n",
        model, oracle.epochLength().toSeconds(), oracle.activeAdapters().size(), oracle.quorum());
    return reporter;
  }

  /** The canary file's inputs and outputs; a clear error naming what is wrong. */
  static List<List<Tensor>> readCanary(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new UserError("--canary: cannot read " + file + ": " + e.getMessage(), e);
    }
    try {
      JsonNode body = V2Json.parse(text);
      return List.of(V2Json.tensors(body, "inputs"), V2Json.tensors(body, "outputs"));
    } catch (IllegalArgumentException e) {
      throw new UserError("--canary " + file + ": " + e.getMessage(), e);
    }
  }
}
