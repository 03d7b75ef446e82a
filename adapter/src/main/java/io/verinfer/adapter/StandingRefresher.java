package io.verinfer.adapter;

import io.verinfer.chain.facade.ProviderRegistryFacade;
import io.verinfer.chain.facade.ProviderReputationFacade;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After a report lands, records the reported providers' new reputation standings in the registry,
 * where the coordinator's picks read them ({@code ProviderRegistry.refreshStandings}): only those
 * whose floor verdict changed or whose score moved by at least {@link #SCORE_STEP_BPS}, in one
 * transaction. Anyone may do this; the transmitting adapter does, so a provider reported down stops
 * receiving on-chain requests at once and one reported back gets them again.
 */
public final class StandingRefresher implements EpochReporter.AfterReport {
  private static final Logger LOG = LoggerFactory.getLogger(StandingRefresher.class);

  /** A score change smaller than this is not worth a transaction (the pick weight moves little). */
  public static final int SCORE_STEP_BPS = 500;

  private final ProviderRegistryFacade registry;
  private final ProviderReputationFacade reputation;

  public StandingRefresher(ProviderRegistryFacade registry, ProviderReputationFacade reputation) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.reputation = Objects.requireNonNull(reputation, "reputation");
  }

  /** The providers whose recorded standing differs from their current one. */
  public List<Address> stale(ModelId model, List<Address> providers) {
    int floor = reputation.params().floorBps();
    List<Address> out = new ArrayList<>();
    for (Address p : providers) {
      ProviderRegistryFacade.Standing recorded = registry.standingOf(p, model);
      int score = reputation.scoreOf(model, p);
      boolean below = score < floor;
      if (!recorded.recorded()
          || recorded.belowFloor() != below
          || Math.abs(recorded.score() - score) >= SCORE_STEP_BPS) {
        out.add(p);
      }
    }
    return out;
  }

  @Override
  public void reported(long model, long epoch, List<Address> providers) {
    ModelId id = ModelId.of(model);
    List<Address> changed = stale(id, providers);
    if (changed.isEmpty()) {
      return;
    }
    var tx = registry.refreshStandings(id, changed);
    LOG.info(
        "model {} epoch {}: recorded {} providers' new standings ({} gas)",
        model,
        epoch,
        changed.size(),
        tx.gasUsed());
  }
}
