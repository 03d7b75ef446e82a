package io.verinfer.cli;

import io.verinfer.chain.Deployment;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.facade.ModelRegistryFacade;
import io.verinfer.client.Routing;
import io.verinfer.client.VerinferClient;
import io.verinfer.client.gateway.Gateway;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.web3j.crypto.Credentials;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code verinfer gateway}: the local gateway (OpenAI + Open Inference Protocol) paying from the
 * user's own wallet, against any deployment. Runs until Ctrl-C, then closes the gateway and the
 * client (whose lane state must be on disk before the JVM goes).
 */
@Command(
    name = "gateway",
    mixinStandardHelpOptions = true,
    description =
        "Run a local gateway (OpenAI /v1, Open Inference Protocol /v2) that pays per call from your"
            + " wallet's deposit.")
public final class GatewayCommand implements Callable<Integer> {
  /**
   * The registry stores no model names, so models without an alias are listed by their id; past
   * this many the listing stops (one read per model at start-up) and larger ids still work.
   */
  static final int LISTED_MODELS_MAX = 200;

  private static final Pattern ALIAS = Pattern.compile("([A-Za-z0-9][A-Za-z0-9._:-]{0,63})=(.*)");
  private static final Pattern MODEL_ID = Pattern.compile("[0-9]{1,18}");

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description =
          "Address to listen on (default: ${DEFAULT-VALUE}). Anyone who can reach it spends"
              + " your deposit.")
  String host;

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "Port to listen on (default: ${DEFAULT-VALUE}; 0 picks a free port).")
  int port;

  @Option(
      names = "--provider",
      paramLabel = "ADDRESS",
      description =
          "Send calls only to this provider (repeatable); by default any provider of the model."
              + " A request can narrow it further with the X-Verinfer-Providers header.")
  List<String> providers = new ArrayList<>();

  @Option(
      names = "--model",
      paramLabel = "NAME=ID",
      description =
          "Also accept NAME for on-chain model ID, e.g. --model minilm-embed=3 (repeatable)."
              + " Ids always work.")
  List<String> aliases = new ArrayList<>();

  @Option(
      names = "--verify",
      paramLabel = "MODE",
      defaultValue = "none",
      description =
          "How calls are checked unless a request's X-Verinfer-Verify header says otherwise:"
              + " none, sampled(p) (re-run a share p on another provider and compare) or"
              + " redundant(k) (k providers, majority wins); mismatches open disputes"
              + " (default: ${DEFAULT-VALUE}).")
  String verify;

  @Mixin ConsumerCommands.Consumer consumer;

  @Spec CommandSpec spec;

  private final IntConsumer listening;
  private final CountDownLatch stop;

  public GatewayCommand() {
    this(port -> {}, new CountDownLatch(1));
  }

  /**
   * @param listening told the bound port once the gateway answers
   * @param stop counted down to stop the gateway (Ctrl-C does it through a shutdown hook)
   */
  GatewayCommand(IntConsumer listening, CountDownLatch stop) {
    this.listening = listening;
    this.stop = stop;
  }

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    if (port < 0 || port > 65_535) {
      throw new UserError("--port must be 0..65535 (0 picks a free port), not " + port);
    }
    boolean loopback = isLoopback(host);
    Map<String, Long> wanted = parseAliases(aliases);
    io.verinfer.client.Verification verification;
    try {
      verification = io.verinfer.client.Verification.parse(verify);
    } catch (IllegalArgumentException e) {
      throw new UserError("--verify: " + e.getMessage(), e);
    }
    routing = routing(providers);

    Deployment d = consumer.chain.deployment();
    if (consumer.chain.devAccount == null && consumer.chain.keystore != null) {
      step(out, "unlocking " + consumer.chain.keystore + "…");
    }
    Credentials credentials = consumer.chain.credentials(d);
    step(out, "reading the model registry at " + d.rpcUrl() + "…");
    Map<String, ModelId> names;
    try (VerinferChain reader = VerinferChain.connect(d, credentials)) {
      checkChainId(reader, d);
      names = names(reader.models(), wanted, out);
    }
    step(out, "opening the client state in " + consumer.state + "…");
    VerinferClient client =
        consumer.open(
            d,
            credentials,
            io.verinfer.client.ClientOptions.defaults().withVerification(verification));
    Gateway gateway;
    TokenAmount deposit;
    try {
      deposit = client.depositBalance();
      gateway = start(client, names);
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
    CountDownLatch closed = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              stop.countDown();
              awaitQuietly(closed); // the JVM must not halt before the lane state is closed
            },
            "gateway-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      printSummary(out, d, client, deposit, names, gateway.port(), loopback);
      listening.accept(gateway.port());
      stop.await();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down: the hook is what stopped us, and it waits for `closed`
      }
      out.println("stopping the gateway…");
      out.flush();
      try {
        gateway.close();
      } finally {
        client.close();
        closed.countDown();
      }
    }
    out.println("gateway stopped");
    out.flush();
    return 0;
  }

  /** {@code NAME=ID} pairs, checked for form only (the registry is read later). */
  static Map<String, Long> parseAliases(List<String> values) {
    Map<String, Long> aliases = new LinkedHashMap<>();
    for (String value : values) {
      Matcher m = ALIAS.matcher(value);
      if (!m.matches()) {
        throw new UserError(
            "--model expects NAME=ID, e.g. --model minilm-embed=3 (NAME: up to 64 letters, digits,"
                + " '.', '_', ':' or '-'; ID: an on-chain model id), not '"
                + value
                + "'");
      }
      String name = m.group(1);
      String id = m.group(2);
      if (MODEL_ID.matcher(name).matches()) {
        throw new UserError(
            "--model "
                + value
                + ": NAME must not be a number (a number already calls the model with that id)");
      }
      if (!MODEL_ID.matcher(id).matches() || Long.parseLong(id) < 1) {
        throw new UserError(
            "--model " + value + ": ID must be an on-chain model id (1, 2, …), not '" + id + "'");
      }
      if (aliases.put(name, Long.parseLong(id)) != null) {
        throw new UserError("--model " + name + " is given twice; give each NAME once");
      }
    }
    return aliases;
  }

  /** Each alias, then every active model without one under its id (the registry has no names). */
  private static Map<String, ModelId> names(
      ModelRegistryFacade registry, Map<String, Long> aliases, PrintWriter out) {
    long count = registry.modelCount();
    Map<String, ModelId> names = new LinkedHashMap<>();
    aliases.forEach(
        (name, id) -> {
          if (id > count) {
            throw new UserError(
                "--model "
                    + name
                    + "="
                    + id
                    + ": there is no model "
                    + id
                    + " in this deployment's ModelRegistry (it holds "
                    + count
                    + "; see `verinfer model list`)");
          }
          names.put(name, ModelId.of(id));
        });
    Set<Long> aliased = new HashSet<>(aliases.values());
    long listed = Math.min(count, LISTED_MODELS_MAX);
    if (listed > 0) {
      out.flush();
      Progress progress = new Progress(System.err, "reading models", listed, "models");
      for (long i = 1; i <= listed; i++) {
        if (!aliased.contains(i) && registry.isActive(ModelId.of(i))) {
          names.put(Long.toString(i), ModelId.of(i));
        }
        progress.accept(i);
      }
    }
    if (count > listed) {
      step(
          out,
          "the registry holds "
              + count
              + " models; /v1/models lists the first "
              + listed
              + ", and every id can be called");
    }
    return names;
  }

  private static void checkChainId(VerinferChain reader, Deployment d) {
    long served;
    try {
      served = reader.web3j().ethChainId().send().getChainId().longValueExact();
    } catch (IOException e) {
      throw new UserError(
          "the JSON-RPC at "
              + d.rpcUrl()
              + " does not answer ("
              + e.getMessage()
              + "): is the chain running? (--rpc URL overrides the deployment's)",
          e);
    }
    if (served != d.chainId()) {
      throw new UserError(
          "the JSON-RPC at "
              + d.rpcUrl()
              + " serves chain "
              + served
              + ", but the deployment is for chain "
              + d.chainId()
              + ": check --rpc and --deployment");
    }
  }

  private Routing routing = Routing.any();

  static Routing routing(List<String> providers) {
    try {
      return Routing.parse(providers);
    } catch (IllegalArgumentException e) {
      throw new UserError("--provider " + e.getMessage());
    }
  }

  private Gateway start(VerinferClient client, Map<String, ModelId> names) {
    try {
      return new Gateway(client, names, host, port, routing);
    } catch (RuntimeException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof BindException bind) {
          throw new UserError(
              "cannot listen on "
                  + host
                  + ":"
                  + port
                  + " ("
                  + bind.getMessage()
                  + "): pass a free --port (`verinfer devnet` runs its own gateway on 8080)"
                  + " or another --host",
              e);
        }
      }
      throw e;
    }
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new UserError(
          "--host "
              + host
              + " does not resolve; give an address of this machine, e.g. 127.0.0.1 or 0.0.0.0",
          e);
    }
  }

  /** The URL a local caller uses: a wildcard address is reached through loopback. */
  private String callUrl(int bound) {
    String h = host;
    try {
      InetAddress a = InetAddress.getByName(host);
      if (a.isAnyLocalAddress()) {
        h = "127.0.0.1";
      } else if (a instanceof Inet6Address && host.contains(":")) {
        h = "[" + host + "]";
      }
    } catch (UnknownHostException e) {
      throw new UserError("--host " + host + " no longer resolves", e);
    }
    return "http://" + h + ":" + bound;
  }

  private void printSummary(
      PrintWriter out,
      Deployment d,
      VerinferClient client,
      TokenAmount deposit,
      Map<String, ModelId> names,
      int bound,
      boolean loopback) {
    String url = callUrl(bound);
    String who =
        consumer.chain.devAccount != null
            ? "   (dev account " + consumer.chain.devAccount + ")"
            : "";
    out.println();
    out.println("Verinfer gateway is up");
    out.println("  listening  " + host + ":" + bound);
    out.println("  chain      " + d.chainId() + " via " + d.rpcUrl());
    out.println("  wallet     " + client.address().value() + who);
    out.println("  deposit    " + deposit.toTokens() + " VRF in PaymentChannels");
    out.println("  models     " + describe(names));
    out.println();
    String example = names.keySet().stream().findFirst().orElse("MODEL_ID");
    out.println("Call it:");
    out.println("  curl -s " + url + "/v1/models");
    out.println(
        "  curl -s "
            + url
            + "/v1/embeddings -H 'content-type: application/json' -d '{\"model\":\""
            + example
            + "\",\"input\":\"hello\"}'");
    out.println(
        "  curl -s "
            + url
            + "/v2/models/"
            + example
            + "/infer -H 'content-type: application/json' -d '{\"inputs\":[…]}'");
    out.println("  OpenAI clients: base URL " + url + "/v1 (any API key)");
    out.println();
    if (deposit.isZero()) {
      out.println(
          "warning: the deposit is 0 VRF, so providers will refuse every call; deposit first,"
              + " e.g. `verinfer deposit 10` with the same wallet options");
    }
    if (!loopback) {
      out.println(
          "warning: "
              + host
              + " is not a loopback address: anyone who can reach "
              + host
              + ":"
              + bound
              + " spends this wallet's deposit (the gateway has no authentication)");
    }
    out.println("Every call is paid from the wallet above. Press Ctrl-C to stop.");
    out.flush();
  }

  private static String describe(Map<String, ModelId> names) {
    if (names.isEmpty()) {
      return "(none published yet; ids work once they are)";
    }
    List<String> parts = new ArrayList<>();
    names.forEach(
        (name, id) ->
            parts.add(
                name.equals(Long.toString(id.value())) ? name : name + " → model " + id.value()));
    return String.join(", ", parts);
  }

  private static void step(PrintWriter out, String line) {
    out.println("• " + line);
    out.flush();
  }

  private static void awaitQuietly(CountDownLatch closed) {
    try {
      if (!closed.await(30, TimeUnit.SECONDS)) {
        System.err.println("the gateway did not stop within 30 s; exiting anyway");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
