package io.verinfer.node.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.chain.Deployment;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.chain.testing.TcpProxy;
import io.verinfer.chain.tx.ChainException;
import io.verinfer.chain.tx.RetryPolicy;
import io.verinfer.node.ledger.Lane;
import io.verinfer.node.ledger.SqliteVoucherLedger;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The provider's settler against a real devnet: thresholds, withdrawals, an RPC outage. */
class SettlerIT {
  private static final int PROVIDER = Actors.PROVIDER_0;
  private static final int ALICE = Actors.CONSUMER_0;
  private static final int BOB = Actors.CONSUMER_0 + 1;

  @TempDir Path dir;
  private String snapshot;
  private Actors actors;
  private VerinferChain provider;
  private SqliteVoucherLedger ledger;
  private ModelId model;

  @BeforeEach
  void setUp() {
    snapshot = SharedDevnet.snapshot();
    actors = new Actors();
    provider = actors.provider(0);
    model = Actors.publish(actors.author(0), "settler", 1_000);
    Actors.deposit(actors.consumer(0), TokenAmount.of(100_000));
    Actors.deposit(actors.consumer(1), TokenAmount.of(100_000));
    ledger = new SqliteVoucherLedger(dir.resolve("ledger.db"));
  }

  @AfterEach
  void tearDown() {
    ledger.close();
    actors.close();
    SharedDevnet.revert(snapshot);
  }

  private SignedVoucher accept(int consumer, long amount, long calls) {
    SignedVoucher v =
        actors.voucher(consumer, Actors.address(PROVIDER), model, TokenAmount.of(amount), calls);
    ledger.serve(v, TokenAmount.ZERO);
    return v;
  }

  private Settler settler(VerinferChain chain, TokenAmount threshold) {
    return new Settler(
        ledger,
        chain.channels(),
        new Settler.Policy(threshold, Duration.ofHours(1), 100, Duration.ofSeconds(1)),
        Clock.systemUTC());
  }

  private long laneCalls(int consumer) {
    return provider
        .channels()
        .laneOf(Actors.address(consumer), Actors.address(PROVIDER), model)
        .calls();
  }

  @Test
  void dueLanesAreRedeemedAndTheRestWait() {
    accept(ALICE, 6_000, 6);
    accept(BOB, 1_000, 1);
    Settler settler = settler(provider, TokenAmount.of(5_000));

    assertThat(settler.settleDue()).isEqualTo(1);
    assertThat(laneCalls(ALICE)).isEqualTo(6);
    assertThat(laneCalls(BOB)).isZero();
    assertThat(ledger.pending()).hasSize(1);

    assertThat(settler.settleAll()).isEqualTo(1);
    assertThat(laneCalls(BOB)).isEqualTo(1);
    assertThat(ledger.pending()).isEmpty();
    assertThat(settler.settleAll()).isZero(); // nothing left, nothing sent
    assertThat(provider.channels().depositOf(Actors.address(ALICE)))
        .isEqualTo(TokenAmount.of(94_000));
  }

  @Test
  void aWithdrawalRequestIsMetByRedemptionsBeforeItMatures() throws Exception {
    accept(BOB, 2_500, 5);
    Settler settler = settler(provider, TokenAmount.of(1_000_000));
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    long from = provider.web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
    try (WithdrawalWatcher watcher =
        new WithdrawalWatcher(
            provider.web3j(), provider.channels().address().value(), from, 0, settler, scheduler)) {
      watcher.start();
      VerinferChain bob = actors.consumer(1);
      // the whole deposit, whatever an earlier class on the shared devnet left in it
      TokenAmount deposit = bob.channels().depositOf(bob.account());
      bob.channels().requestWithdrawal(deposit);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (laneCalls(BOB) == 0 && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      assertThat(laneCalls(BOB)).as("redeemed before the withdrawal matured").isEqualTo(5);
      assertThat(bob.channels().withdrawalOf(bob.account()).readyAt().getEpochSecond())
          .isGreaterThan(SharedDevnet.latestTimestamp());

      SharedDevnet.increaseTime(bob.params().withdrawDelay().toSeconds() + 1);
      TokenAmount wallet = bob.token().balanceOf(bob.account());
      bob.channels().withdraw();
      assertThat(bob.token().balanceOf(bob.account()))
          .isEqualTo(wallet.plus(deposit.minus(TokenAmount.of(2_500))));
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void anRpcOutageLeavesLanesPendingAndSettlementCatchesUp() throws Exception {
    accept(ALICE, 3_000, 3);
    Deployment deployment = SharedDevnet.get().deployment();
    try (TcpProxy proxy = new TcpProxy(deployment.rpcUrl().getPort()).start();
        VerinferChain viaProxy =
            VerinferChain.connect(
                deployment.withRpcUrl(URI.create("http://127.0.0.1:" + proxy.port() + "/")),
                DevAccounts.account(PROVIDER),
                new RetryPolicy(3, Duration.ofMillis(50), Duration.ofMillis(100)))) {
      Settler settler = settler(viaProxy, TokenAmount.ZERO);
      proxy.stop();
      assertThatThrownBy(settler::settleAll).isInstanceOf(ChainException.class);
      assertThat(ledger.pending()).hasSize(1);
      assertThat(laneCalls(ALICE)).isZero();

      proxy.start();
      assertThat(settler.settleAll()).isEqualTo(1);
      assertThat(laneCalls(ALICE)).isEqualTo(3);
      assertThat(
              ledger.unredeemed(new Lane(Actors.address(ALICE), Actors.address(PROVIDER), model)))
          .isEqualTo(TokenAmount.ZERO);
    }
  }
}
