package io.verinfer.cli;

import io.verinfer.chain.Deployment;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.facade.ProviderRegistryFacade;
import io.verinfer.chain.facade.ProviderReputationFacade;
import io.verinfer.client.AvailabilityView;
import io.verinfer.client.VerinferClient;
import io.verinfer.client.VerinferClient.RoutedProvider;
import io.verinfer.protocol.ModelId;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.web3j.crypto.Credentials;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code verinfer providers MODEL}: the table the SDK's router sees for a model — every eligible
 * provider, best first, with its price, the latency this client measured, and what the
 * AvailabilityOracle last said of it (epoch, uptime, latency, canary pass rate, reputation, down),
 * its on-chain ProviderReputation score, and whether the coordinator may assign it work (the
 * standing the registry last recorded, which its picks read).
 */
@Command(
    name = "providers",
    mixinStandardHelpOptions = true,
    description =
        "Show the providers of a model in the order the SDK would try them, with price and the"
            + " availability oracle's figures.")
public final class ProvidersCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "MODEL_ID", description = "The model's on-chain id.")
  long model;

  @Mixin ConsumerCommands.Consumer consumer;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    if (model < 1) {
      throw new UserError("MODEL_ID: model ids start at 1, not " + model);
    }
    PrintWriter out = spec.commandLine().getOut();
    Deployment d = consumer.chain.deployment();
    Credentials credentials = consumer.chain.credentials(d);
    try (VerinferClient client = consumer.open(d, credentials);
        VerinferChain chain = VerinferChain.connect(d, credentials)) {
      ProviderReputationFacade reputation = chain.reputation();
      ProviderRegistryFacade registry = chain.providers();
      int floor = reputation.params().floorBps();
      List<RoutedProvider> rows = client.routingTable(ModelId.of(model));
      if (rows.isEmpty()) {
        out.printf("no eligible provider offers model %d%n", model);
        return 0;
      }
      out.printf(
          "%-4s %-42s %-26s %14s %8s %8s %10s %8s %6s %6s %-7s %s%n",
          "rank",
          "provider",
          "endpoint",
          "price",
          "epoch",
          "uptime",
          "latency",
          "canary",
          "rep",
          "score",
          "assign",
          "state");
      int rank = 1;
      for (RoutedProvider r : rows) {
        AvailabilityView.Standing s = r.standing();
        int score = reputation.scoreOf(ModelId.of(model), r.offer().provider());
        // what the coordinator's picks read: the standing last recorded, not the live score
        ProviderRegistryFacade.Standing recorded =
            registry.standingOf(r.offer().provider(), ModelId.of(model));
        String state =
            s.epoch() == 0 ? "unreported" : s.down() ? "DOWN" : s.fresh() ? "up" : "stale";
        out.printf(
            "%-4d %-42s %-26s %14s %8s %7.2f%% %10s %7.2f%% %6.2f %6d %-7s %s%n",
            rank++,
            r.offer().provider().value(),
            r.offer().endpoint(),
            r.offer().price().baseUnits(),
            s.epoch() == 0 ? "-" : Long.toString(s.epoch()),
            s.figures().uptimeBps() / 100.0,
            s.epoch() == 0 || !s.figures().up() ? "-" : s.figures().latencyMs() + " ms",
            s.figures().canaryBps() / 100.0,
            s.reputation(),
            score,
            recorded.belowFloor() ? "no" : "yes",
            state);
      }
      out.println(
          "order: not down first, then price × (1 + weight × (1 − reputation)), then measured"
              + " latency; reputation = uptime × canary pass rate of a status at most "
              + AvailabilityView.FRESH_EPOCHS
              + " epochs old; score = the on-chain ProviderReputation now (bps, floor "
              + floor
              + "); assign = whether the coordinator may pick it, by the standing the registry last"
              + " recorded (refreshStandings)");
    }
    return 0;
  }
}
