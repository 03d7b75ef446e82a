package io.verinfer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.Deployment;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.facade.CoordinatorDryRun;
import io.verinfer.chain.facade.CoordinatorHistory;
import io.verinfer.chain.facade.CoordinatorHistory.Request;
import io.verinfer.chain.facade.InferenceCoordinatorFacade;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Requested;
import io.verinfer.client.V2Json;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code verinfer onchain request|status}: inference requested through the InferenceCoordinator
 * with the wallet (an EOA) as the requester. The coordinator's callback to an EOA does nothing, so
 * the answer is read back from the chain.
 */
@Command(
    name = "onchain",
    mixinStandardHelpOptions = true,
    description = "Request inference on-chain through the InferenceCoordinator and follow it.",
    subcommands = {
      OnchainCommand.RequestCommand.class,
      OnchainCommand.Status.class,
      OnchainActions.Settle.class,
      OnchainActions.Cancel.class,
      OnchainActions.Reassign.class,
      OnchainActions.Challenge.class
    })
public final class OnchainCommand {
  /** The contract's {@code MIN_CALLBACK_GAS}: the callback to an EOA needs no more. */
  static final long DEFAULT_CALLBACK_GAS = 5_000;

  private static final BigInteger UINT96_MAX = BigInteger.TWO.pow(96).subtract(BigInteger.ONE);
  private static final long UINT32_MAX = 0xffff_ffffL;

  /** How often {@code --wait} reads the chain (a devnet mines at once; public chains in ~12 s). */
  static final Duration POLL = Duration.ofSeconds(1);

  /** How the answer is checked: delivered at once, or after a challenge window. */
  enum Mode {
    none(InferenceCoordinatorFacade.MODE_NONE),
    optimistic(InferenceCoordinatorFacade.MODE_OPTIMISTIC);

    final int code;

    Mode(int code) {
      this.code = code;
    }
  }

  /** {@code onchain request}. */
  @Command(
      name = "request",
      mixinStandardHelpOptions = true,
      description =
          "Request one inference from the InferenceCoordinator, paid from your deposit there.")
  static final class RequestCommand implements Callable<Integer> {
    @Option(
        names = "--model",
        required = true,
        paramLabel = "NAME|ID",
        description =
            "The on-chain model id, or a name from the devnet state file (--devnet-state).")
    String model;

    @Option(
        names = "--input",
        required = true,
        description = "JSON: {\"inputs\":[{\"name\",\"shape\",\"datatype\",\"data\"}]}.")
    String input;

    @Option(
        names = "--mode",
        defaultValue = "none",
        description =
            "none (the answer is delivered at once) or optimistic (it waits out a challenge"
                + " window); default: ${DEFAULT-VALUE}.")
    Mode mode;

    @Option(
        names = "--max-fee",
        paramLabel = "VRF",
        description =
            "The most the request may reserve (default: the highest price an eligible provider"
                + " of the model asks).")
    String maxFee;

    @Option(
        names = "--callback-gas",
        paramLabel = "N",
        defaultValue = "" + DEFAULT_CALLBACK_GAS,
        description =
            "Gas for the callback (an EOA needs only the minimum); default: ${DEFAULT-VALUE}.")
    long callbackGas;

    @Option(
        names = "--deposit",
        paramLabel = "VRF",
        description =
            "Deposit this much into the coordinator first (without it, a deposit below the max"
                + " fee is topped up to it).")
    String deposit;

    @Option(names = "--wait", description = "Wait for the answer and print it.")
    boolean await;

    @Option(
        names = "--timeout",
        defaultValue = "PT5M",
        description = "How long --wait waits (ISO-8601, default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(
        names = "--devnet-state",
        defaultValue = ".verinfer/devnet.json",
        description = "Where model names are looked up (written by `verinfer devnet`).")
    Path devnetState;

    @Mixin ChainOptions chain;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
      PrintWriter out = spec.commandLine().getOut();
      byte[] encoded = input(input);
      if (callbackGas < 0 || callbackGas > UINT32_MAX) {
        throw new UserError("--callback-gas must be 0.." + UINT32_MAX + ", not " + callbackGas);
      }
      if (timeout.isNegative()) {
        throw new UserError("--timeout must not be negative");
      }
      TokenAmount extra = deposit == null ? null : ConsumerCommands.amount(deposit);
      Deployment d = chain.deployment();
      ModelId id = model(model, d, devnetState);
      try (VerinferChain wallet = VerinferChain.connect(d, chain.credentials(d))) {
        InferenceCoordinatorFacade coordinator = wallet.coordinator();
        TokenAmount max =
            maxFee != null ? uint96(ConsumerCommands.amount(maxFee)) : highest(wallet, id);
        try {
          new CoordinatorDryRun(wallet.sender(), coordinator.address())
              .request(id, encoded, mode.code, max, callbackGas);
        } catch (ContractRevertException e) {
          if (!"InsufficientDeposit".equals(e.errorName())) {
            throw explain(e, id, max);
          }
        }
        fund(wallet, out, max, extra);
        Requested r = coordinator.request(id, encoded, mode.code, max, callbackGas);
        out.println("requested on-chain inference " + r.id());
        out.println("  model      " + id.value() + " (mode " + mode + ")");
        out.println("  requester  " + r.ticket().requester().value());
        out.println("  provider   " + r.ticket().provider().value());
        out.println(
            "  fee        "
                + OnchainReport.vrf(r.ticket().fee())
                + " reserved (max "
                + OnchainReport.vrf(max)
                + ")");
        out.println("  deadline   " + r.ticket().deadline());
        out.println("  tx         " + r.txHash());
        out.println("  block      " + r.block());
        out.flush();
        if (!await) {
          out.println("follow it: verinfer onchain status " + r.id());
          return 0;
        }
        return waitForAnswer(wallet, coordinator.address(), r, out);
      }
    }

    /** Approves and deposits {@code extra}, or tops the deposit up to {@code max}. */
    private static void fund(
        VerinferChain wallet, PrintWriter out, TokenAmount max, TokenAmount extra) {
      InferenceCoordinatorFacade coordinator = wallet.coordinator();
      Address self = wallet.account();
      TokenAmount balance = coordinator.depositOf(self);
      TokenAmount amount = extra;
      if (amount == null && balance.compareTo(max) < 0) {
        amount = max.minus(balance);
        out.println(
            "your deposit of "
                + OnchainReport.vrf(balance)
                + " is below the max fee: topping it up by "
                + OnchainReport.vrf(amount));
      }
      if (amount == null || amount.isZero()) {
        return;
      }
      TokenAmount tokens = wallet.token().balanceOf(self);
      if (tokens.compareTo(amount) < 0) {
        throw new UserError(
            "the wallet holds "
                + OnchainReport.vrf(tokens)
                + ", less than the "
                + OnchainReport.vrf(amount)
                + " to deposit");
      }
      wallet.token().approve(coordinator.address(), amount);
      coordinator.depositFor(self, amount);
      out.println(
          "deposited "
              + OnchainReport.vrf(amount)
              + "; coordinator deposit now "
              + OnchainReport.vrf(coordinator.depositOf(self)));
    }

    private int waitForAnswer(
        VerinferChain wallet, Address coordinator, Requested r, PrintWriter out)
        throws InterruptedException {
      PrintWriter err = spec.commandLine().getErr();
      CoordinatorHistory history = new CoordinatorHistory(wallet.web3j(), coordinator);
      long started = System.nanoTime();
      while (true) {
        // empty while a lagging RPC node has not seen the request's block yet
        Optional<Request> found = history.find(r.id(), r.block(), history.latestBlock());
        if (found.isPresent() && OnchainReport.answered(found.get())) {
          Request request = found.get();
          err.println();
          err.flush();
          OnchainReport report =
              new OnchainReport(request, history.latestBlockTime(), history.output(request));
          out.println("request " + r.id() + ": " + report.stateLine());
          out.println(report.outputText());
          out.flush();
          return 0;
        }
        Duration waited = Duration.ofNanos(System.nanoTime() - started);
        if (waited.compareTo(timeout) >= 0) {
          err.println();
          err.println(
              "error: no answer after "
                  + timeout.toSeconds()
                  + " s; follow it with `verinfer onchain status "
                  + r.id()
                  + "`");
          err.flush();
          return 1;
        }
        var ticket = found.map(Request::ticket).orElse(r.ticket());
        err.print(
            "\rwaiting for "
                + ticket.provider().value()
                + " to answer (due "
                + ticket.deadline()
                + ") "
                + waited.toSeconds()
                + " s");
        err.flush();
        Thread.sleep(POLL.toMillis());
      }
    }
  }

  /** {@code onchain status ID}. */
  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Show an on-chain request's history, state and output.")
  static final class Status implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ID", description = "The request id.")
    long id;

    @Option(names = "--json", description = "Print JSON for machines.")
    boolean json;

    @Mixin ChainOptions chain;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (VerinferChain reader = chain.connectReadOnly()) {
        InferenceCoordinatorFacade coordinator = reader.coordinator();
        CoordinatorHistory history = new CoordinatorHistory(reader.web3j(), coordinator.address());
        Request request = find(reader, history, id);
        OnchainReport report =
            new OnchainReport(request, history.latestBlockTime(), history.output(request));
        if (json) {
          out.println(report.json());
        } else {
          report.printText(out);
        }
        out.flush();
      }
      return 0;
    }
  }

  /**
   * Request {@code id}'s history from the coordinator's logs since the deployment's first block.
   *
   * @throws UserError when there is no such request or the node kept no log of it
   */
  static Request find(VerinferChain reader, CoordinatorHistory history, long id) {
    long count = reader.coordinator().requestCount();
    if (id < 1 || id > count) {
      throw new UserError(
          "no on-chain request "
              + id
              + ": the InferenceCoordinator has had "
              + count
              + " request"
              + (count == 1 ? "" : "s")
              + (count > 0 ? " (ids 1.." + count + ")" : ""));
    }
    long from = reader.deployment().deployedAtBlock();
    return history
        .find(id, from, history.latestBlock())
        .orElseThrow(
            () ->
                new UserError(
                    "request "
                        + id
                        + " exists, but the node returned no InferenceRequested log for it"
                        + " since block "
                        + from
                        + " (does it keep old logs?)"));
  }

  /** The request's input: an Open Inference Protocol body, as {@code verinfer infer} takes it. */
  static byte[] input(String json) {
    try {
      List<Tensor> tensors = V2Json.inputs(V2Json.parse(json));
      return CanonicalTensors.encode(tensors);
    } catch (IllegalArgumentException e) {
      throw new UserError("--input: " + e.getMessage(), e);
    }
  }

  /**
   * A model id, or a name the devnet state file gives an id (the ModelRegistry stores no names).
   */
  static ModelId model(String ref, Deployment d, Path devnetState) {
    if (ref.matches("[0-9]{1,18}")) {
      long id = Long.parseLong(ref);
      if (id < 1) {
        throw new UserError("model ids start at 1");
      }
      return ModelId.of(id);
    }
    Optional<JsonNode> state = devnetModels(d, devnetState);
    JsonNode id = state.map(models -> models.get(ref)).orElse(null);
    if (id != null && id.canConvertToLong() && id.asLong() > 0) {
      return ModelId.of(id.asLong());
    }
    throw new UserError(
        "unknown model '"
            + ref
            + "': the ModelRegistry stores no names, so give the model's id (`verinfer model"
            + " list`)"
            + state.map(m -> " or one of the devnet's names " + fieldNames(m)).orElse(""));
  }

  /** The devnet state file's name → id map, when it describes this deployment. */
  private static Optional<JsonNode> devnetModels(Deployment d, Path file) {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      JsonNode root = new ObjectMapper().readTree(file.toFile());
      String registry = root.path("contracts").path("ModelRegistry").asText("");
      if (root.path("chainId").asLong() != d.chainId()
          || !registry.equalsIgnoreCase(d.address("ModelRegistry"))) {
        return Optional.empty(); // another devnet's names
      }
      JsonNode models = root.path("models");
      return models.isObject() ? Optional.of(models) : Optional.empty();
    } catch (IOException e) {
      throw new UserError("cannot read the devnet state file " + file + ": " + e.getMessage(), e);
    }
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new java.util.ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  /** Providers read for the default max fee (the contract itself probes at most 16). */
  static final int PRICES_READ_MAX = 64;

  /** The highest price an eligible provider of {@code model} asks, or 0 when none does. */
  private static TokenAmount highest(VerinferChain chain, ModelId model) {
    TokenAmount highest = TokenAmount.ZERO;
    List<Address> providers = chain.providers().providersOf(model);
    for (Address p : providers.subList(0, Math.min(providers.size(), PRICES_READ_MAX))) {
      if (chain.providers().isEligible(p, model)) {
        TokenAmount price = chain.providers().priceOf(p, model);
        highest = price.compareTo(highest) > 0 ? price : highest;
      }
    }
    return highest;
  }

  private static TokenAmount uint96(TokenAmount amount) {
    if (amount.baseUnits().compareTo(UINT96_MAX) > 0) {
      throw new UserError("--max-fee is above what a request can carry (uint96 base units)");
    }
    return amount;
  }

  /** A revert of the dry run, with a hint where the error name alone does not say what to do. */
  private static RuntimeException explain(
      ContractRevertException e, ModelId model, TokenAmount max) {
    String hint =
        switch (e.errorName()) {
          case "UnknownOrDeprecatedModel" ->
              "model " + model.value() + " is not an active model (`verinfer model list`)";
          case "NoProviderAtFee" ->
              max.isZero()
                  ? "no eligible provider offers model " + model.value()
                  : "no eligible provider of model "
                      + model.value()
                      + " asks at most "
                      + OnchainReport.vrf(max)
                      + "; raise --max-fee";
          case "CallbackGasTooLow", "CallbackGasTooHigh" -> "adjust --callback-gas";
          case "InputTooLarge", "EmptyInput" -> "the canonical tensor bytes of --input";
          default -> null;
        };
    return hint == null ? e : new UserError(e.getMessage() + ": " + hint, e);
  }
}
