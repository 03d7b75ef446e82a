package io.verinfer.adapter;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.facade.AvailabilityOracleFacade;
import io.verinfer.chain.facade.AvailabilityOracleFacade.SignedObservation;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.Signer;
import io.verinfer.protocol.oracle.Figures;
import io.verinfer.protocol.oracle.Observation;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An adapter's epoch loop for one model: probes every provider {@code probesPerEpoch} times an
 * epoch (health, latency, the paid canary), and when the epoch ends signs its {@link Observation}
 * (uptime = share of probes answered, latency = median health round trip of those, canary = share
 * passed) into the {@link ObservationBook} its peers read. The epoch's leader (the active adapters
 * in ascending order, the epoch number modulo their count) then fetches the others' observations,
 * keeps those that verify and agree on the provider list, and submits them as the one report once
 * they reach the oracle's quorum; if it has not done so by half the next epoch, any adapter does.
 * The clock is the chain's (block timestamps), so every adapter agrees on the epoch.
 */
public final class EpochReporter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EpochReporter.class);

  /**
   * How long the adapter's SDK may reuse the registry's provider list: short, so a provider that
   * moved to a new endpoint is probed there, not counted down at the old one.
   */
  public static final Duration DISCOVERY_TTL = Duration.ofSeconds(1);

  /**
   * @param probesPerEpoch probe rounds an epoch (evenly spread)
   * @param peerTimeout for fetching a peer's observation
   * @param tick how often the loop looks at the clock
   */
  public record Settings(int probesPerEpoch, Duration peerTimeout, Duration tick) {
    public Settings {
      if (probesPerEpoch < 1 || probesPerEpoch > 60) {
        throw new IllegalArgumentException("probesPerEpoch must be 1..60, got " + probesPerEpoch);
      }
    }

    public static Settings defaults() {
      return new Settings(3, Duration.ofSeconds(2), Duration.ofMillis(500));
    }
  }

  /** What the transmitter does once its report landed (e.g. {@link StandingRefresher}). */
  @FunctionalInterface
  public interface AfterReport {
    /**
     * @param medians per provider the figures the contract kept (the same lower medians it took)
     */
    void reported(long model, long epoch, List<Address> providers, List<Figures> medians);

    AfterReport NOTHING = (model, epoch, providers, medians) -> {};
  }

  /** One provider's counts within the running epoch. */
  private static final class Count {
    int probes;
    int up;
    int canaries;
    int passed;
    final List<Long> latencyMs = new ArrayList<>();
  }

  private final Prober prober;
  private final Canary canary;
  private final AvailabilityOracleFacade oracle;
  private final Signer signer;
  private final ObservationBook book;
  private final LongSupplier chainTime;
  private final Settings settings;
  private final HttpClient http;
  private final long genesis;
  private final long epochSeconds;
  private final long model;
  private final AfterReport afterReport;

  private long tallyEpoch = -1;
  private Map<Address, Count> tally = new HashMap<>();
  private List<Address> lastProviders = List.of();
  private int rounds;
  private final Set<Long> done = new HashSet<>();
  private volatile boolean closed;
  private Thread loop;

  public EpochReporter(
      Prober prober,
      Canary canary,
      AvailabilityOracleFacade oracle,
      Signer signer,
      ObservationBook book,
      LongSupplier chainTime,
      Settings settings) {
    this(prober, canary, oracle, signer, book, chainTime, settings, AfterReport.NOTHING);
  }

  /**
   * @param afterReport run after this adapter's report landed (its failure is logged: the report
   *     stands)
   */
  public EpochReporter(
      Prober prober,
      Canary canary,
      AvailabilityOracleFacade oracle,
      Signer signer,
      ObservationBook book,
      LongSupplier chainTime,
      Settings settings,
      AfterReport afterReport) {
    this.afterReport = Objects.requireNonNull(afterReport, "afterReport");
    this.prober = Objects.requireNonNull(prober, "prober");
    this.canary = Objects.requireNonNull(canary, "canary");
    this.oracle = Objects.requireNonNull(oracle, "oracle");
    this.signer = Objects.requireNonNull(signer, "signer");
    this.book = Objects.requireNonNull(book, "book");
    this.chainTime = Objects.requireNonNull(chainTime, "chainTime");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.http = HttpClient.newBuilder().connectTimeout(settings.peerTimeout()).build();
    this.genesis = oracle.genesis();
    this.epochSeconds = oracle.epochLength().toSeconds();
    this.model = canary.model().value();
  }

  /** Runs {@link #tick} every {@code settings.tick()} on a virtual thread until closed. */
  public EpochReporter start() {
    loop =
        Thread.ofVirtual()
            .name("epoch-reporter-" + model)
            .start(
                () -> {
                  while (!closed) {
                    try {
                      tick();
                    } catch (RuntimeException e) {
                      LOG.warn("model {}: epoch step failed: {}", model, e.toString());
                    }
                    try {
                      Thread.sleep(settings.tick());
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                });
    return this;
  }

  /** One step: seal an ended epoch, probe when a round is due, report the last epoch. */
  public synchronized void tick() {
    long now = chainTime.getAsLong();
    long epoch = (now - genesis) / epochSeconds;
    long offset = (now - genesis) % epochSeconds;
    if (epoch != tallyEpoch) {
      if (tallyEpoch >= 0 && !lastProviders.isEmpty()) {
        seal(tallyEpoch);
      }
      tallyEpoch = epoch;
      tally = new HashMap<>();
      lastProviders = List.of();
      rounds = 0;
    }
    if (rounds < settings.probesPerEpoch()
        && offset * settings.probesPerEpoch() >= (long) rounds * epochSeconds) {
      probeRound();
      rounds++;
    }
    if (epoch >= 1 && !done.contains(epoch - 1) && book.get(model, epoch - 1).isPresent()) {
      maybeTransmit(epoch - 1, offset);
    }
  }

  private void probeRound() {
    List<Address> seen = new ArrayList<>();
    for (ProviderProbe p : prober.probeAll(canary)) {
      Count c = tally.computeIfAbsent(p.provider(), a -> new Count());
      c.probes++;
      if (p.up()) {
        c.up++;
        c.latencyMs.add(Math.max(1, (p.healthMicros() + 999) / 1000));
      }
      c.canaries++;
      if (p.canary() == ProviderProbe.CanaryResult.PASSED) {
        c.passed++;
      }
      seen.add(p.provider());
    }
    lastProviders = Observation.sorted(seen);
  }

  /** The figures of the epoch's tally over the providers listed at its last round. */
  static Figures figures(int probes, int up, List<Long> latencies, int canaries, int passed) {
    if (probes == 0) {
      return Figures.DOWN;
    }
    long latency = Figures.NO_LATENCY;
    if (!latencies.isEmpty()) {
      List<Long> sorted = latencies.stream().sorted().toList();
      latency = sorted.get((sorted.size() - 1) / 2);
    }
    return new Figures(
        (int) (10_000L * up / probes),
        latency,
        canaries == 0 ? 0 : (int) (10_000L * passed / canaries));
  }

  private void seal(long epoch) {
    List<Figures> values = new ArrayList<>();
    for (Address p : lastProviders) {
      Count c = tally.get(p);
      values.add(figures(c.probes, c.up, c.latencyMs, c.canaries, c.passed));
    }
    Observation o = new Observation(model, epoch, lastProviders, values);
    book.put(new SignedObservation(signer.address(), o, o.sign(signer, oracle.domain())));
    LOG.info("model {} epoch {}: signed {} providers' figures", model, epoch, values.size());
  }

  private void maybeTransmit(long epoch, long offset) {
    if (oracle.lastReported(model) >= epoch) {
      done.add(epoch);
      return;
    }
    List<Address> active = Observation.sorted(oracle.activeAdapters());
    if (active.isEmpty() || !active.contains(signer.address())) {
      return;
    }
    boolean leader = active.get((int) (epoch % active.size())).equals(signer.address());
    boolean leaderLate = offset * 2 >= epochSeconds;
    if (!(leader && offset * 6 >= epochSeconds) && !leaderLate) {
      return; // the leader waits a sixth of the epoch, so every peer has sealed its observation
    }
    Map<Bytes32, List<SignedObservation>> byList = new LinkedHashMap<>();
    for (Address peer : active) {
      SignedObservation s =
          peer.equals(signer.address()) ? book.get(model, epoch).orElse(null) : fetch(peer, epoch);
      if (s != null) {
        byList.computeIfAbsent(s.observation().providersHash(), h -> new ArrayList<>()).add(s);
      }
    }
    List<SignedObservation> best =
        byList.values().stream()
            .max((a, b) -> Integer.compare(a.size(), b.size()))
            .orElse(List.of());
    int quorum = oracle.quorum();
    if (best.size() < quorum) {
      LOG.info(
          "model {} epoch {}: {} of {} observations agree, quorum {}: waiting",
          model,
          epoch,
          best.size(),
          active.size(),
          quorum);
      return;
    }
    try {
      var tx = oracle.submit(best);
      done.add(epoch);
      LOG.info(
          "model {} epoch {}: reported with {} adapters ({} gas)",
          model,
          epoch,
          best.size(),
          tx.gasUsed());
      try {
        var params = oracle.params();
        // per provider the lower median of each figure: independent of the vectors' order
        List<Figures> medians =
            io.verinfer.protocol.oracle.ReportMath.aggregate(
                    best.stream().map(o -> o.observation().values()).toList(),
                    params.toleranceBps(),
                    params.latencyToleranceBps())
                .medians();
        afterReport.reported(model, epoch, best.get(0).observation().providers(), medians);
      } catch (RuntimeException e) {
        LOG.warn("model {} epoch {}: after the report: {}", model, epoch, e.toString());
      }
    } catch (ContractRevertException e) {
      if ("AlreadyReported".equals(e.errorName()) || "WrongEpoch".equals(e.errorName())) {
        done.add(epoch);
      }
      LOG.info("model {} epoch {}: report refused: {}", model, epoch, e.getMessage());
    }
  }

  private SignedObservation fetch(Address peer, long epoch) {
    try {
      String endpoint = oracle.adapterOf(peer).endpoint();
      URI uri =
          URI.create(endpoint.endsWith("/") ? endpoint : endpoint + "/")
              .resolve("observations/" + model + "/" + epoch);
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(uri).timeout(settings.peerTimeout()).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        return null;
      }
      SignedObservation s = ObservationBook.fromJson(r.body(), model, epoch, oracle.domain());
      if (!s.adapter().equals(peer)) {
        LOG.warn(
            "model {} epoch {}: {} served an observation of {}", model, epoch, peer, s.adapter());
        return null;
      }
      return s;
    } catch (IllegalArgumentException e) {
      LOG.warn(
          "model {} epoch {}: {}'s observation refused: {}", model, epoch, peer, e.getMessage());
      return null;
    } catch (java.io.IOException e) {
      LOG.info("model {} epoch {}: {} unreachable: {}", model, epoch, peer, e.toString());
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  @Override
  public void close() {
    closed = true;
    if (loop != null) {
      loop.interrupt();
    }
    http.close();
  }
}
