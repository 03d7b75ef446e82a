package io.verinfer.cli;

import picocli.CommandLine.Command;

/**
 * {@code verinfer gov}: Verinfer governance from the terminal. Every protocol parameter, treasury
 * grant and delisting goes through a proposal: propose, vote (VRF holders who delegated), queue in
 * the timelock once it succeeded, execute after the timelock's delay.
 */
@Command(
    name = "gov",
    mixinStandardHelpOptions = true,
    description = {
      "Governance: propose parameter changes, grants and delistings; vote, queue, execute.",
      "",
      "A proposal's life: `gov propose` (needs votes at or above the proposal threshold, so"
          + " `gov delegate` first), voting opens after the voting delay, `gov vote` during the"
          + " voting period, `gov queue` once it Succeeded, `gov execute` after the timelock's"
          + " delay. `gov params` lists every governed parameter with its current value."
    },
    subcommands = {
      GovPropose.class,
      GovVote.class,
      GovQueue.class,
      GovExecute.class,
      GovStatus.class,
      GovDelegate.class,
      GovParams.class
    })
public final class GovCommand {}
