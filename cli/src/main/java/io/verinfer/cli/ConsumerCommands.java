package io.verinfer.cli;

import io.verinfer.chain.Deployment;
import io.verinfer.client.ClientOptions;
import io.verinfer.client.InferenceResult;
import io.verinfer.client.V2Json;
import io.verinfer.client.VerinferClient;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.TokenAmount;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.web3j.crypto.Credentials;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The consumer's commands: {@code deposit}, {@code withdraw}, {@code infer}, {@code usage}. */
final class ConsumerCommands {
  private ConsumerCommands() {}

  /** Options every consumer command shares. */
  static final class Consumer {
    @Mixin ChainOptions chain;

    @Option(
        names = "--client-state",
        defaultValue = ".verinfer/client",
        description = "The SDK's durable lane state (default: ${DEFAULT-VALUE}).")
    Path state;

    @Option(
        names = "--allow-plain-http-providers",
        description =
            "Talk plain http:// to providers on any chain (e.g. behind a TLS proxy you trust). By"
                + " default only the devnet allows it; elsewhere a provider must serve HTTPS with"
                + " the key it registered on-chain.")
    boolean allowPlainHttpProviders;

    VerinferClient open() {
      Deployment d = chain.deployment();
      return open(d, chain.credentials(d));
    }

    /** Opens the SDK for credentials already unlocked (a keystore is decrypted only once). */
    VerinferClient open(Deployment d, Credentials credentials) {
      return open(d, credentials, ClientOptions.defaults());
    }

    VerinferClient open(Deployment d, Credentials credentials, ClientOptions options) {
      try {
        return VerinferClient.connect(
            d,
            credentials,
            state,
            allowPlainHttpProviders ? options.withAllowPlainHttpProviders(true) : options);
      } catch (IllegalStateException e) {
        // another running client holds the directory's lock, or its lane store cannot be opened
        throw new UserError(e.getMessage() + " (--client-state DIR)", e);
      }
    }
  }

  static TokenAmount amount(String tokens) {
    try {
      return TokenAmount.ofTokens(tokens);
    } catch (IllegalArgumentException e) {
      throw new UserError(
          "amount must be a decimal number of VRF, e.g. 10 or 0.5: " + e.getMessage());
    }
  }

  @Command(
      name = "deposit",
      mixinStandardHelpOptions = true,
      description = "Deposit VRF into PaymentChannels.")
  static final class Deposit implements Callable<Integer> {
    @Parameters(index = "0", description = "Amount in VRF, e.g. 10 or 0.5.")
    String tokens;

    @Mixin Consumer consumer;

    @Override
    public Integer call() {
      try (VerinferClient client = consumer.open()) {
        client.deposit(amount(tokens));
        System.out.println(
            "deposited " + tokens + " VRF; balance " + client.depositBalance().toTokens() + " VRF");
      }
      return 0;
    }
  }

  @Command(
      name = "withdraw",
      mixinStandardHelpOptions = true,
      description = "Ask to withdraw (then run again with --complete once the delay has passed).")
  static final class Withdraw implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", description = "Amount in VRF to request.")
    String tokens;

    @Option(names = "--complete", description = "Complete a matured withdrawal.")
    boolean complete;

    @Mixin Consumer consumer;

    @Override
    public Integer call() {
      try (VerinferClient client = consumer.open()) {
        if (complete) {
          client.withdraw();
          System.out.println(
              "withdrawn; deposit now " + client.depositBalance().toTokens() + " VRF");
        } else {
          if (tokens == null) {
            throw new UserError("say how much to withdraw, e.g. `verinfer withdraw 5`");
          }
          client.requestWithdrawal(amount(tokens));
          var pending = client.pendingWithdrawal();
          System.out.println(
              "withdrawal of "
                  + tokens
                  + " VRF requested; ready at "
                  + pending.readyAt()
                  + " (providers redeem what they hold meanwhile); then, before "
                  + pending.expiresAt()
                  + " when it lapses: verinfer withdraw --complete");
        }
      }
      return 0;
    }
  }

  @Command(
      name = "infer",
      mixinStandardHelpOptions = true,
      description =
          "Pay for one inference: --input is an Open Inference Protocol request body (JSON).")
  static final class Infer implements Callable<Integer> {
    @Parameters(index = "0", description = "The model's on-chain id.")
    long model;

    @Option(
        names = "--input",
        required = true,
        description = "JSON: {\"inputs\":[{\"name\",\"shape\",\"datatype\",\"data\"}]}.")
    String input;

    @Mixin Consumer consumer;

    @Override
    public Integer call() {
      if (model < 1) {
        throw new UserError("model ids start at 1");
      }
      java.util.List<io.verinfer.protocol.Tensor> inputs;
      try {
        inputs = V2Json.inputs(V2Json.parse(input));
      } catch (IllegalArgumentException e) {
        throw new UserError("--input: " + e.getMessage());
      }
      try (VerinferClient client = consumer.open()) {
        InferenceResult r = client.infer(ModelId.of(model), inputs);
        var body = V2Json.parse("{}");
        V2Json.putTensors(
            (com.fasterxml.jackson.databind.node.ObjectNode) body, "outputs", r.outputs());
        System.out.println(body);
        System.err.println(
            "paid provider "
                + r.provider()
                + " ("
                + r.latency().toMillis()
                + " ms); receipt "
                + PaymentHeaders.encode(r.receipt()));
      }
      return 0;
    }
  }

  @Command(
      name = "usage",
      mixinStandardHelpOptions = true,
      description = "Read your Counter NFT and deposit.")
  static final class Usage implements Callable<Integer> {
    @Mixin Consumer consumer;

    @Override
    public Integer call() {
      try (VerinferClient client = consumer.open()) {
        var usage = client.usage();
        System.out.println("consumer  " + client.address());
        System.out.println(
            "calls     " + Long.toUnsignedString(usage.calls()) + " (settled on-chain)");
        System.out.println("spend     " + usage.spend().toTokens() + " VRF");
        System.out.println("deposit   " + client.depositBalance().toTokens() + " VRF");
      }
      return 0;
    }
  }
}
