package io.verinfer.adapter;

import io.verinfer.chain.facade.AvailabilityOracleFacade;
import io.verinfer.chain.facade.ProviderRegistryFacade;
import io.verinfer.chain.facade.ProviderReputationFacade;
import io.verinfer.client.AvailabilityView;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.oracle.Figures;
import io.verinfer.protocol.oracle.ReportTree;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After a report lands, applies the leaves a Merkle-rooted report needs (see {@link
 * #applyBadLeaves}) and records the reported providers' new reputation standings in the registry,
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
  private final AvailabilityOracleFacade oracle;

  /**
   * @param oracle where a Merkle-rooted report's leaves are applied
   */
  public StandingRefresher(
      ProviderRegistryFacade registry,
      ProviderReputationFacade reputation,
      AvailabilityOracleFacade oracle) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.reputation = Objects.requireNonNull(reputation, "reputation");
    this.oracle = Objects.requireNonNull(oracle, "oracle");
  }

  /**
   * A report over more than {@link #DIRECT_LIMIT} providers changes no status until a leaf is
   * applied: applies (with its proof) the leaf of every provider the report shows down or failing
   * canaries, and of every one it shows back up while the chain still holds it down, so neither a
   * bad provider's status goes stale (and back to a newcomer's score) nor a recovered one stays
   * shut out. Up providers staying up need nothing. Returns how many leaves it applied.
   */
  public int applyBadLeaves(
      long model, long epoch, List<Address> providers, List<Figures> medians) {
    ReportTree tree = new ReportTree(model, epoch, providers, medians);
    int applied = 0;
    for (int i = 0; i < providers.size(); i++) {
      Figures f = medians.get(i);
      var current = oracle.statusOf(model, providers.get(i));
      boolean downNow = AvailabilityView.down(f);
      boolean downOnChain = current.reported() && AvailabilityView.down(current.figures());
      if (current.epoch() >= epoch || (!downNow && !downOnChain)) {
        continue;
      }
      oracle.applyLeaf(model, epoch, providers.get(i), f, tree.proof(i));
      applied++;
    }
    if (applied > 0) {
      LOG.info(
          "model {} epoch {}: applied {} providers' leaves of the Merkle report",
          model,
          epoch,
          applied);
    }
    return applied;
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

  /** Above this many providers a report stores only its Merkle root (the contract's limit). */
  public static final int DIRECT_LIMIT = 64;

  @Override
  public void reported(long model, long epoch, List<Address> providers, List<Figures> medians) {
    ModelId id = ModelId.of(model);
    if (providers.size() > DIRECT_LIMIT) {
      applyBadLeaves(model, epoch, providers, medians);
    }
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
