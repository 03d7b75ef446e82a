package io.verinfer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code verinfer} front door. */
@Command(
    name = "verinfer",
    mixinStandardHelpOptions = true,
    version = "verinfer 0.1.0",
    description = "Verinfer: a decentralized AI inference marketplace on Ethereum.",
    subcommands = {
      DevnetCommand.class,
      ModelCommand.class,
      NodeCommand.class,
      GatewayCommand.class,
      AdapterCommand.class,
      ProvidersCommand.class,
      ConsumerCommands.Deposit.class,
      ConsumerCommands.Withdraw.class,
      ConsumerCommands.Infer.class,
      ConsumerCommands.Usage.class,
      OnchainCommand.class,
      GovCommand.class,
      DoctorCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line: user mistakes and reverts print one line and exit with 2. */
  public static CommandLine commandLine() {
    return commandLine(CommandLine.defaultFactory());
  }

  /** The same, creating commands through {@code factory} (tests inject their hooks with it). */
  static CommandLine commandLine(CommandLine.IFactory factory) {
    CommandLine cli = new CommandLine(new Main(), factory);
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          if (e instanceof UserError
              || e instanceof io.verinfer.chain.ContractRevertException
              || e instanceof io.verinfer.protocol.VerinferException
              || e instanceof java.io.UncheckedIOException
              || e instanceof io.verinfer.client.InferenceException
              || e instanceof io.verinfer.chain.tx.ChainException) {
            cmd.getErr().println("error: " + e.getMessage());
            return 2;
          }
          throw e;
        });
    return cli;
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
