package io.verinfer.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.acceptance.Marketplace.Provider;
import io.verinfer.client.ClientOptions;
import io.verinfer.client.InferenceResult;
import io.verinfer.client.VerinferClient;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Providers fail under a paying consumer: one goes down mid-run and comes back with its ledger, one
 * loses a reply after keeping the voucher. Every call still gets exactly one verified result, lanes
 * never skip or repeat a call, and the consumer pays for results plus at most one price per lost
 * reply.
 */
class FailoverIT {
  private static final int CONSUMER = 3;
  private static final TokenAmount DEPOSIT = TokenAmount.of(1_000_000);
  private static final Duration COOLDOWN = Duration.ofMillis(300);
  private static final ClientOptions OPTIONS =
      ClientOptions.defaults()
          .withTimeout(Duration.ofSeconds(3))
          .withFailureCooldown(COOLDOWN)
          .withDiscoveryTtl(Duration.ofMillis(200));

  @TempDir Path dir;

  @Test
  void aProviderGoingDownIsFailedOverAndAfterARestartResumesItsLane() {
    try (Marketplace market = Marketplace.open(dir)) {
      ModelId model = market.publishFraudDetect(50);
      Provider cheap = market.startProvider(8, TokenAmount.of(1_000));
      Provider backup = market.startProvider(9, TokenAmount.of(1_500));
      Eip712Domain domain = market.chain(0).channels().domain();
      // no cooldown: every call tries the cheap provider first, even while it is down
      VerinferClient client = market.consumer(CONSUMER, OPTIONS.withFailureCooldown(Duration.ZERO));
      client.deposit(DEPOSIT);

      List<InferenceResult> fromCheap = new ArrayList<>();
      List<InferenceResult> fromBackup = new ArrayList<>();
      int call = 0;
      for (; call < 30; call++) {
        if (call == 10) {
          cheap.stop(); // mid-run: its port closes, its ledger stays
        }
        List<Tensor> inputs = List.of(Marketplace.features(call));
        InferenceResult r = client.infer(model, inputs); // never throws: the backup is up
        Receipts.assertVerified(r, domain, client.address(), model, inputs);
        (r.provider().equals(cheap.address()) ? fromCheap : fromBackup).add(r);
      }
      assertThat(fromCheap).hasSize(10);
      assertThat(fromBackup).hasSize(20);
      assertThat(client.outstanding())
          .as("voucher #11 was sent into a closed port: kept to pay for a later call")
          .extracting(v -> v.voucher().cumulativeCalls())
          .containsExactly(11L);
      assertThat(client.newestVoucher(cheap.address(), model).orElseThrow().voucher())
          .extracting(v -> v.cumulativeCalls())
          .as("later attempts at the dead provider re-sent #11 and signed nothing new")
          .isEqualTo(11L);

      cheap.start(); // same ledger file, a new port, endpoint re-announced on-chain
      int before = fromCheap.size();
      for (int tries = 0; tries < 10 && fromCheap.size() == before; tries++, call++) {
        List<Tensor> inputs = List.of(Marketplace.features(call));
        InferenceResult r = client.infer(model, inputs);
        Receipts.assertVerified(r, domain, client.address(), model, inputs);
        (r.provider().equals(cheap.address()) ? fromCheap : fromBackup).add(r);
      }
      assertThat(fromCheap).as("the restarted provider serves again").hasSize(11);
      // it never received #11, so the client re-sent #11: no call skipped, none paid twice
      Receipts.assertConsecutive(fromCheap, cheap.price(), 1);
      Receipts.assertConsecutive(fromBackup, backup.price(), 1);
      assertThat(client.outstanding()).isEmpty();

      // a restarted client continues from its state directory
      client.close();
      VerinferClient again = market.consumer(CONSUMER, OPTIONS);
      List<Tensor> inputs = List.of(Marketplace.features(call));
      InferenceResult r = again.infer(model, inputs);
      assertThat(r.provider()).isEqualTo(cheap.address());
      fromCheap.add(r);
      Receipts.assertConsecutive(fromCheap, cheap.price(), 1);

      assertThat(cheap.settleAll()).isEqualTo(1);
      assertThat(backup.settleAll()).isEqualTo(1);
      TokenAmount paid =
          cheap.price().times(fromCheap.size()).plus(backup.price().times(fromBackup.size()));
      assertThat(again.depositBalance())
          .as("exactly one payment per result")
          .isEqualTo(DEPOSIT.minus(paid));
      assertThat(again.usage().calls()).isEqualTo(fromCheap.size() + fromBackup.size());
    }
  }

  @Test
  void aReplyLostAfterTheProviderKeptTheVoucherCostsOnePriceAndIsNotPaidAgain() throws Exception {
    try (Marketplace market = Marketplace.open(dir)) {
      ModelId model = market.publishFraudDetect(50);
      Provider cheap = market.startProvider(8, TokenAmount.of(1_000));
      Provider backup = market.startProvider(9, TokenAmount.of(1_500));
      try (ReplyDroppingProxy proxy = new ReplyDroppingProxy(cheap.endpoint(), cheap.tlsPin())) {
        market.chain(8).providers().updateEndpoint(proxy.baseUrl(), Bytes32.ZERO);
        Eip712Domain domain = market.chain(0).channels().domain();
        VerinferClient client = market.consumer(CONSUMER, OPTIONS);
        client.deposit(DEPOSIT);

        List<InferenceResult> fromCheap = new ArrayList<>();
        for (int call = 0; call < 3; call++) {
          fromCheap.add(client.infer(model, List.of(Marketplace.features(call))));
        }
        assertThat(fromCheap).allMatch(r -> r.provider().equals(cheap.address()));

        proxy.dropNextInferReplies(1);
        List<Tensor> inputs = List.of(Marketplace.features(3));
        InferenceResult failedOver = client.infer(model, inputs);
        assertThat(proxy.dropped()).isEqualTo(1);
        assertThat(failedOver.provider())
            .as("one result, from the backup")
            .isEqualTo(backup.address());
        Receipts.assertVerified(failedOver, domain, client.address(), model, inputs);
        assertThat(client.outstanding())
            .as("the provider's lane endpoint said it answered #4: not kept for reuse")
            .isEmpty();
        assertThat(client.newestVoucher(cheap.address(), model).orElseThrow().voucher())
            .extracting(v -> v.cumulativeCalls())
            .isEqualTo(4L);

        Thread.sleep(COOLDOWN.toMillis() + 100);
        InferenceResult next = client.infer(model, List.of(Marketplace.features(4)));
        assertThat(next.provider()).isEqualTo(cheap.address());
        assertThat(next.receipt().receipt().cumulativeCalls())
            .as("#4 is held by the provider: the next call is #5, never #4 again")
            .isEqualTo(5);

        assertThat(cheap.settleAll()).isEqualTo(1);
        assertThat(backup.settleAll()).isEqualTo(1);
        TokenAmount results = cheap.price().times(4).plus(backup.price());
        TokenAmount lost =
            cheap.price(); // the bound: one price for the one reply lost after commit
        assertThat(client.depositBalance()).isEqualTo(DEPOSIT.minus(results).minus(lost));
        assertThat(client.usage().calls()).isEqualTo(6);
      }
    }
  }

  @Test
  void concurrentCallersEachGetOneResultWhileAProviderStopsUnderLoad() throws Exception {
    try (Marketplace market = Marketplace.open(dir)) {
      ModelId model = market.publishFraudDetect(50);
      Provider cheap = market.startProvider(8, TokenAmount.of(1_000));
      Provider backup = market.startProvider(9, TokenAmount.of(1_500));
      Eip712Domain domain = market.chain(0).channels().domain();
      VerinferClient client = market.consumer(CONSUMER, OPTIONS);
      client.deposit(DEPOSIT);

      int threads = 4;
      int callsEach = 15;
      List<InferenceResult> results = java.util.Collections.synchronizedList(new ArrayList<>());
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(threads);
      List<java.util.concurrent.Future<?>> callers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int first = t * callsEach;
        callers.add(
            pool.submit(
                () -> {
                  for (int i = first; i < first + callsEach; i++) {
                    List<Tensor> inputs = List.of(Marketplace.features(i));
                    InferenceResult r = client.infer(model, inputs);
                    Receipts.assertVerified(r, domain, client.address(), model, inputs);
                    results.add(r);
                  }
                  return null;
                }));
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (results.size() < 12 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      cheap.stop(); // while callers are mid-request on its lane
      for (java.util.concurrent.Future<?> caller : callers) {
        caller.get(60, java.util.concurrent.TimeUnit.SECONDS); // rethrows any caller's failure
      }
      pool.shutdown();
      assertThat(results).as("every call got exactly one result").hasSize(threads * callsEach);

      List<InferenceResult> fromCheap = sortedByCall(results, cheap);
      List<InferenceResult> fromBackup = sortedByCall(results, backup);
      assertThat(fromCheap.size() + fromBackup.size()).isEqualTo(results.size());
      // calls in flight when it stopped may have got no answer: their numbers are gaps
      Receipts.assertDistinctAndPriced(fromCheap, cheap.price());
      Receipts.assertConsecutive(fromBackup, backup.price(), 1);

      cheap.start(); // to settle what its ledger holds
      cheap.settleAll();
      backup.settleAll();
      var cheapLane = market.chain(0).channels().laneOf(client.address(), cheap.address(), model);
      long paidWithoutResult = cheapLane.calls() - fromCheap.size();
      assertThat(paidWithoutResult)
          .as("at most the calls in flight when it stopped are paid without a reply")
          .isBetween(0L, (long) threads);
      TokenAmount paid =
          cheap
              .price()
              .times(fromCheap.size() + paidWithoutResult)
              .plus(backup.price().times(fromBackup.size()));
      assertThat(client.depositBalance()).isEqualTo(DEPOSIT.minus(paid));
    }
  }

  private static List<InferenceResult> sortedByCall(List<InferenceResult> results, Provider p) {
    return results.stream()
        .filter(r -> r.provider().equals(p.address()))
        .sorted(java.util.Comparator.comparingLong(r -> r.receipt().receipt().cumulativeCalls()))
        .toList();
  }
}
