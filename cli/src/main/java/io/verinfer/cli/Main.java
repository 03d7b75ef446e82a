package io.verinfer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code verinfer} front door. */
@Command(
    name = "verinfer",
    mixinStandardHelpOptions = true,
    version = "verinfer 0.1.0",
    description = "Verinfer: a decentralized AI inference marketplace on Ethereum.",
    subcommands = {DevnetCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
