package io.verinfer.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.acceptance.Marketplace.Provider;
import io.verinfer.adapter.Canary;
import io.verinfer.adapter.EpochReporter;
import io.verinfer.adapter.ExternalAdapter;
import io.verinfer.adapter.ObservationBook;
import io.verinfer.adapter.Prober;
import io.verinfer.adapter.StandingRefresher;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.facade.AvailabilityOracleFacade;
import io.verinfer.chain.facade.DisputeManagerFacade;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.client.ClientOptions;
import io.verinfer.client.VerinferClient;
import io.verinfer.client.gateway.Gateway;
import io.verinfer.node.faults.FaultInjection;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.oracle.Figures;
import io.verinfer.protocol.tls.TransportPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, adapters to oracle: three staked adapters probe real provider nodes on the devnet
 * through an epoch (health over the pinned transport, a paid canary), each signs what it measured,
 * the epoch's leader fetches the others' signed observations over HTTP and submits one report; the
 * oracle then holds, per provider, what they saw: the honest one up with its canaries passed, the
 * one corrupting answers up but failing every canary, the stopped one down. The test steps each
 * adapter's loop itself ({@link EpochReporter#tick}) and moves the chain clock, so an epoch takes
 * no wall time.
 */
class OracleReportingIT {
  private static final int[] ADAPTERS = {5, 6, 7};
  private static final TransportPolicy DEVNET =
      new TransportPolicy(TransportPolicy.DEVNET_CHAIN_ID, false);

  @TempDir Path dir;

  @Test
  void adaptersReportWhatTheyMeasuredAndTheOracleKeepsIt() throws Exception {
    List<AutoCloseable> closing = new ArrayList<>();
    try (Marketplace market = Marketplace.open(dir)) {
      ModelId model = market.publishFraudDetect(50);
      Provider honest = market.startProvider(8, TokenAmount.of(1_000));
      Provider liar = market.startProvider(9, TokenAmount.of(1_000), new FaultInjection(1.0, 3));
      Provider dead = market.startProvider(10, TokenAmount.of(1_000));
      dead.stop();
      Canary canary = Canaries.fraudDetect(model, dir.resolve("adapter-store"));

      List<EpochReporter> reporters = adapters(market, canary, closing);
      AvailabilityOracleFacade oracle = market.chain(ADAPTERS[0]).oracle();
      assertThat(oracle.quorum()).isEqualTo(3);

      long epoch = reportOneEpoch(oracle, reporters, model);
      var h = oracle.statusOf(model.value(), honest.address());
      var l = oracle.statusOf(model.value(), liar.address());
      var d = oracle.statusOf(model.value(), dead.address());
      System.out.printf(
          "OracleReportingIT: epoch %d on-chain: honest %s | corrupting %s | stopped %s%n",
          epoch, h.figures(), l.figures(), d.figures());
      assertThat(h.epoch()).isEqualTo(epoch);
      assertThat(h.figures().uptimeBps()).isEqualTo(10_000);
      assertThat(h.figures().canaryBps()).isEqualTo(10_000);
      assertThat(h.figures().latencyMs()).isBetween(1L, 2_000L);
      assertThat(l.figures().uptimeBps()).isEqualTo(10_000);
      assertThat(l.figures().canaryBps()).isZero();
      assertThat(d.figures()).isEqualTo(Figures.DOWN);
      for (int account : ADAPTERS) {
        assertThat(oracle.adapterOf(Actors.address(account)).strikes()).isZero();
      }
    } finally {
      for (AutoCloseable c : closing) c.close();
    }
  }

  /** Three adapters (dev accounts 5, 6, 7) joined to the oracle, each serving its observations. */
  private static List<EpochReporter> adapters(
      Marketplace market, Canary canary, List<AutoCloseable> closing) {
    return adapters(market, canary, closing, Duration.ZERO);
  }

  /** As above; the first adapter disputes a wrong canary answer at most once per provider. */
  private static List<EpochReporter> adapters(
      Marketplace market, Canary canary, List<AutoCloseable> closing, Duration firstDisputes) {
    List<EpochReporter> reporters = new ArrayList<>();
    for (int account : ADAPTERS) {
      Duration disputeEvery = account == ADAPTERS[0] ? firstDisputes : Duration.ZERO;
      VerinferClient wallet =
          market.consumer(
              account,
              ClientOptions.defaults()
                  .withTimeout(Duration.ofSeconds(5))
                  .withDiscoveryTtl(EpochReporter.DISCOVERY_TTL));
      wallet.deposit(TokenAmount.ofTokens("1"));
      ObservationBook book = new ObservationBook();
      ExternalAdapter http =
          new ExternalAdapter(
              new Prober(wallet, Duration.ofSeconds(2), DEVNET),
              List.of(canary),
              book,
              "127.0.0.1",
              0);
      closing.add(http);
      VerinferChain chain = market.chain(account);
      TokenAmount stake = TokenAmount.ofTokens("2000");
      chain.token().approve(chain.oracle().address(), stake);
      chain.oracle().join(stake, http.baseUrl().toString());
      EpochReporter r =
          new EpochReporter(
              new Prober(wallet, Duration.ofSeconds(2), DEVNET, disputeEvery),
              canary,
              chain.oracle(),
              Actors.signer(account),
              book,
              chain::latestTimestamp,
              EpochReporter.Settings.defaults(),
              new StandingRefresher(chain.providers(), chain.reputation(), chain.oracle()));
      closing.add(r);
      reporters.add(r);
    }
    return reporters;
  }

  /**
   * One whole epoch of probing (rounds 1, 11 and 21 s in, or fewer when the wall clock carried the
   * chain past the epoch's end), then the next epoch's start where each adapter seals, and a sixth
   * in, where the leader reports. Returns the epoch reported.
   */
  private static long reportOneEpoch(
      AvailabilityOracleFacade oracle, List<EpochReporter> reporters, ModelId model) {
    assertThat(oracle.quorum()).isEqualTo(3);
    long length = oracle.epochLength().toSeconds();
    long epoch = toEpochStart(oracle, length);
    for (int round = 0; round < 3; round++) {
      for (EpochReporter r : reporters) r.tick();
      if (round < 2) SharedDevnet.increaseTime(length / 3);
    }
    // the chain clock also runs with the wall clock (slow canaries, a restarted provider's first
    // call): move to the next epoch only if the probe rounds did not already end up there
    boolean drifted = SharedDevnet.latestTimestamp() >= oracle.genesis() + (epoch + 1) * length;
    if (!drifted) {
      toEpochStart(oracle, length);
    }
    for (EpochReporter r : reporters) r.tick();
    if (!drifted) { // (drifted, the leader may rightly have reported at a round's tick already)
      assertThat(oracle.lastReported(model.value()))
          .as("nobody reports before the peers sealed")
          .isLessThan(epoch);
    }
    SharedDevnet.increaseTime(length / 6 + 1);
    for (EpochReporter r : reporters) r.tick();
    assertThat(oracle.lastReported(model.value())).isEqualTo(epoch);
    return epoch;
  }

  /**
   * Routing follows the oracle: a consumer's SDK sends its calls to the cheapest provider, which
   * answers wrongly; once the oracle reports it failing every canary the SDK sends them to the
   * honest one (the next epoch: within two), and when the provider is fixed and the next report
   * shows it passing, back to it.
   */
  @Test
  void theSdkRoutesAroundAProviderTheOracleMarksDownAndBackWhenItRecovers() throws Exception {
    List<AutoCloseable> closing = new ArrayList<>();
    try (Marketplace market = Marketplace.open(dir)) {
      ModelId model = market.publishFraudDetect(50);
      Provider cheap = market.startProvider(8, TokenAmount.of(500), new FaultInjection(1.0, 3));
      Provider fair = market.startProvider(9, TokenAmount.of(1_000));
      Canary canary = Canaries.fraudDetect(model, dir.resolve("adapter-store"));
      List<EpochReporter> reporters = adapters(market, canary, closing);
      AvailabilityOracleFacade oracle = market.chain(ADAPTERS[0]).oracle();
      VerinferClient consumer =
          market.consumer(2, ClientOptions.defaults().withDiscoveryTtl(Duration.ofMillis(100)));
      consumer.deposit(TokenAmount.ofTokens("1"));

      assertThat(servedBy(consumer, model, 5))
          .as("before any report: the cheapest")
          .containsOnly(cheap.address());
      long down = reportOneEpoch(oracle, reporters, model);
      assertThat(oracle.statusOf(model.value(), cheap.address()).figures().canaryBps()).isZero();
      Thread.sleep(150); // past the SDK's cache
      List<Object> after = servedBy(consumer, model, 5);
      System.out.printf(
          "OracleReportingIT: epoch %d marked %s down; 5 calls served by %s%n",
          down, cheap.address(), after);
      assertThat(after).containsOnly(fair.address());

      cheap.stop();
      cheap.faults(FaultInjection.none());
      cheap.start(); // fixed: the same provider, answering right, on a new port
      awaitEndpoint(market, cheap);
      // the adapters' SDKs may still list the old port for DISCOVERY_TTL: a probe there would
      // count the fixed provider down for a round, which is right for them, not for this test
      Thread.sleep(EpochReporter.DISCOVERY_TTL.toMillis() + 250);
      long recovered = reportOneEpoch(oracle, reporters, model);
      var fixed = oracle.statusOf(model.value(), cheap.address()).figures();
      assertThat(fixed.canaryBps()).as("the fixed provider's figures %s", fixed).isEqualTo(10_000);
      Thread.sleep(150);
      List<Object> back = servedBy(consumer, model, 5);
      System.out.printf(
          "OracleReportingIT: epoch %d shows it recovered; 5 calls served by %s%n",
          recovered, back);
      assertThat(back).containsOnly(cheap.address());
    } finally {
      for (AutoCloseable c : closing) c.close();
    }
  }

  /** Waits (bounded) until the registry lists the provider's re-announced endpoint. */
  private static void awaitEndpoint(Marketplace market, Provider p) throws InterruptedException {
    var registry = market.chain(ADAPTERS[0]).providers();
    for (int i = 0; i < 100; i++) {
      if (registry.provider(p.address()).endpoint().equals(p.endpoint())) return;
      Thread.sleep(100);
    }
    throw new AssertionError(p + " did not re-announce " + p.endpoint() + " within 10 s");
  }

  /**
   * A provider killed is reported down by the next epoch's report: its on-chain reputation falls
   * below the coordinator's floor (the transmitting adapter records the new standing in the
   * registry), the gateway's router ranks it last (its calls go to the other), and the coordinator
   * assigns it no on-chain request; restarted, the next report shows it up, its score is back, the
   * gateway sends it its calls again (it is the cheaper) and the coordinator assigns it requests
   * again.
   */
  @Test
  void aKilledProviderLosesReputationAndWorkAndGetsBothBackWhenItReturns() throws Exception {
    List<AutoCloseable> closing = new ArrayList<>();
    try (Marketplace market = Marketplace.open(dir)) {
      ModelId model = market.publishFraudDetect(50);
      Provider cheap = market.startProvider(8, TokenAmount.of(500));
      Provider fair = market.startProvider(9, TokenAmount.of(1_000));
      Canary canary = Canaries.fraudDetect(model, dir.resolve("adapter-store"));
      List<EpochReporter> reporters = adapters(market, canary, closing);
      AvailabilityOracleFacade oracle = market.chain(ADAPTERS[0]).oracle();
      var reputation = market.chain(ADAPTERS[0]).reputation();
      VerinferClient consumer =
          market.consumer(2, ClientOptions.defaults().withDiscoveryTtl(Duration.ofMillis(100)));
      consumer.deposit(TokenAmount.ofTokens("1"));
      Gateway gateway = new Gateway(consumer, java.util.Map.of(), "127.0.0.1", 0);
      closing.add(gateway);
      VerinferChain requester = market.chain(3);
      requester.token().approve(requester.coordinator().address(), TokenAmount.ofTokens("1"));
      requester.coordinator().depositFor(requester.account(), TokenAmount.ofTokens("1"));

      int before = reputation.scoreOf(model, cheap.address());
      assertThat(reputation.meetsFloor(model, cheap.address())).isTrue();
      cheap.stop(); // killed
      long down = reportOneEpoch(oracle, reporters, model);
      assertThat(oracle.statusOf(model.value(), cheap.address()).figures()).isEqualTo(Figures.DOWN);
      int whileDown = reputation.scoreOf(model, cheap.address());
      assertThat(whileDown).as("its reputation falls").isLessThan(before).isZero();
      assertThat(reputation.meetsFloor(model, cheap.address())).isFalse();
      Thread.sleep(150); // past the SDK's cache
      var table = consumer.routingTable(model);
      assertThat(table.get(table.size() - 1).offer().provider()).isEqualTo(cheap.address());
      assertThat(table.get(table.size() - 1).standing().down()).isTrue();
      assertThat(viaGateway(gateway, model, 4)).as("gateway calls").containsOnly(fair.address());
      assertThat(assigned(requester, model, 8)).as("coordinator").containsOnly(fair.address());

      cheap.start();
      awaitEndpoint(market, cheap);
      Thread.sleep(EpochReporter.DISCOVERY_TTL.toMillis() + 250);
      long back = reportOneEpoch(oracle, reporters, model);
      int recovered = reputation.scoreOf(model, cheap.address());
      assertThat(recovered).isGreaterThan(reputation.params().floorBps());
      Thread.sleep(150);
      assertThat(viaGateway(gateway, model, 4)).as("gateway calls").containsOnly(cheap.address());
      assertThat(assigned(requester, model, 16)).as("coordinator").contains(cheap.address());
      System.out.printf(
          "OracleReportingIT: killed provider scored %d before, %d after epoch %d's report (floor"
              + " %d), %d after epoch %d's%n",
          before, whileDown, down, reputation.params().floorBps(), recovered, back);
    } finally {
      for (AutoCloseable c : closing) c.close();
    }
  }

  /**
   * A provider answering canaries wrongly loses its reputation (the oracle reports its canary rate
   * 0, its score falls to 0) and is disputed: the adapter holding the wrong canary answer's receipt
   * opens a dispute with the input and that output, three other providers' nodes re-execute and
   * vote it guilty, and it loses the configured share of its stake.
   */
  @Test
  void aProviderAnsweringCanariesWronglyLosesReputationAndIsDisputedAndSlashed() throws Exception {
    List<AutoCloseable> closing = new ArrayList<>();
    try (Marketplace market = Marketplace.open(dir)) {
      ModelId model = market.publishFraudDetect(50);
      Provider liar = market.startProvider(8, TokenAmount.of(900), new FaultInjection(1.0, 3));
      for (int account = 9; account <= 11; account++) { // honest, and the committee
        market.startProvider(account, TokenAmount.of(1_000));
      }
      var chain0 = market.chain(0);
      var disputes = chain0.disputes();
      long before = disputes.disputeCount();
      TokenAmount stakeBefore = chain0.providers().provider(liar.address()).slashable();
      int scoreBefore = chain0.reputation().scoreOf(model, liar.address());
      Canary canary = Canaries.fraudDetect(model, dir.resolve("adapter-store"));
      List<EpochReporter> reporters = adapters(market, canary, closing, Duration.ofHours(1));
      AvailabilityOracleFacade oracle = market.chain(ADAPTERS[0]).oracle();

      long epoch = reportOneEpoch(oracle, reporters, model);
      assertThat(oracle.statusOf(model.value(), liar.address()).figures().canaryBps()).isZero();
      int scoreAfter = chain0.reputation().scoreOf(model, liar.address());
      assertThat(scoreAfter).as("its reputation").isLessThan(scoreBefore).isZero();
      assertThat(chain0.providers().standingOf(liar.address(), model).belowFloor()).isTrue();

      List<Long> opened = new ArrayList<>();
      for (long id = before + 1; id <= disputes.disputeCount(); id++) {
        if (disputes.dispute(id).accused().contains(liar.address())) opened.add(id);
      }
      assertThat(opened).as("disputes the adapter opened against it").hasSize(1);
      long id = opened.get(0);
      // the chain only moves when blocks come: mine one every 200 ms, as a live chain would
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (disputes.dispute(id).phase() != DisputeManagerFacade.Phase.RESOLVED
          && System.nanoTime() < deadline) {
        SharedDevnet.mine();
        Thread.sleep(200);
      }
      var resolved = disputes.dispute(id);
      assertThat(resolved.phase()).isEqualTo(DisputeManagerFacade.Phase.RESOLVED);
      assertThat(resolved.verdicts()).containsExactly(DisputeManagerFacade.Verdict.GUILTY);
      var params = chain0.params().disputeParams();
      TokenAmount slashed =
          TokenAmount.of(
              stakeBefore
                  .baseUnits()
                  .multiply(java.math.BigInteger.valueOf(params.slashBps()))
                  .divide(java.math.BigInteger.valueOf(10_000)));
      assertThat(chain0.providers().provider(liar.address()).slashable())
          .isEqualTo(stakeBefore.minus(slashed));
      var after = chain0.reputation().breakdown(model, liar.address());
      assertThat(after.slashes()).isEqualTo(1);
      System.out.printf(
          "OracleReportingIT: wrong canaries: score %d -> %d after epoch %d; dispute %d %s,"
              + " slashed %s of %s; the slash is on its record (penalty %d bps)%n",
          scoreBefore,
          scoreAfter,
          epoch,
          id,
          resolved.verdicts(),
          slashed,
          stakeBefore,
          after.penalty());
    } finally {
      for (AutoCloseable c : closing) c.close();
    }
  }

  /** The providers that served {@code calls} OIP infer calls through the gateway. */
  private static List<Address> viaGateway(Gateway gateway, ModelId model, int calls)
      throws Exception {
    List<Address> served = new ArrayList<>();
    try (HttpClient http = HttpClient.newHttpClient()) {
      for (int i = 0; i < calls; i++) {
        String body = Marketplace.oipInfer(i);
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(
                        URI.create(gateway.baseUrl() + "/v2/models/" + model.value() + "/infer"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        served.add(
            Address.of(
                new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(r.body())
                    .path("parameters")
                    .path("provider")
                    .asText()));
      }
    }
    return served;
  }

  /** The providers the coordinator assigned {@code requests} on-chain requests to. */
  private static List<Address> assigned(VerinferChain requester, ModelId model, int requests) {
    List<Address> out = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      byte[] input = CanonicalTensors.encode(List.of(Marketplace.features(i)));
      out.add(
          requester
              .coordinator()
              .request(model, input, 0, TokenAmount.of(2_000), 50_000)
              .ticket()
              .provider());
    }
    return out;
  }

  private static List<Object> servedBy(VerinferClient consumer, ModelId model, int calls) {
    List<Object> served = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      served.add(consumer.infer(model, List.of(Marketplace.features(i))).provider());
    }
    return served;
  }

  /** Moves the chain clock to one second into the next epoch; returns that epoch (now running). */
  private static long toEpochStart(AvailabilityOracleFacade oracle, long length) {
    long now = SharedDevnet.latestTimestamp();
    long offset = (now - oracle.genesis()) % length;
    SharedDevnet.increaseTime(length - offset + 1);
    return oracle.currentEpoch();
  }
}
