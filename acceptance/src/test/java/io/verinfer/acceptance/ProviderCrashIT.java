package io.verinfer.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.client.ClientOptions;
import io.verinfer.client.InferenceException;
import io.verinfer.client.InferenceResult;
import io.verinfer.client.VerinferClient;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A provider is killed with {@code kill -9} while a consumer keeps calling it. After a restart on
 * the same ledger it redeems every voucher it had accepted (no revenue lost), and the consumer paid
 * for at most one call it got no result for.
 */
class ProviderCrashIT {
  private static final TokenAmount PRICE = TokenAmount.of(1_000);
  private static final int PROVIDER = 9;
  private static final int CALLERS = 4;
  @TempDir Path dir;

  private Process start(Path deploymentFile) throws Exception {
    return ProviderProcess.spawn(deploymentFile, PROVIDER, dir, PRICE);
  }

  @Test
  void aProviderKilledMidLoadRedeemsEveryAcceptedVoucherAfterRestart() throws Exception {
    try (Marketplace market = Marketplace.open(dir)) {
      ModelId model = market.publishFraudDetect(50);
      Path deploymentFile = dir.resolve("deployment.json");
      SharedDevnet.get().deployment().write(deploymentFile);
      Process provider = start(deploymentFile);
      try (VerinferClient client =
              VerinferClient.connect(
                  SharedDevnet.get().deployment(),
                  DevAccounts.account(4),
                  dir.resolve("client"),
                  ClientOptions.defaults()
                      .withDiscoveryTtl(Duration.ofMillis(500))
                      .withTimeout(Duration.ofSeconds(5)));
          VerinferChain direct =
              VerinferChain.connect(SharedDevnet.get().deployment(), DevAccounts.account(0))) {
        client.deposit(TokenAmount.of(10_000_000));
        List<InferenceResult> results = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger failureCount =
            new java.util.concurrent.atomic.AtomicInteger();
        List<Thread> load = new ArrayList<>();
        for (int caller = 0; caller < CALLERS; caller++) {
          int offset = caller;
          load.add(
              Thread.ofPlatform()
                  .start(
                      () -> {
                        for (int i = offset; !stop.get() && i < 5_000; i += CALLERS) {
                          try {
                            InferenceResult r =
                                client.infer(model, List.of(Marketplace.features(i)));
                            synchronized (results) {
                              results.add(r);
                            }
                          } catch (InferenceException e) {
                            failureCount.incrementAndGet();
                            sleep(100);
                          }
                        }
                      }));
        }
        waitFor(() -> size(results) >= 50, Duration.ofSeconds(60));
        provider.destroyForcibly(); // SIGKILL mid-load
        assertThat(provider.waitFor(10, TimeUnit.SECONDS)).isTrue();
        int beforeRestart = size(results);
        Thread.sleep(1_000);
        provider = start(deploymentFile);
        waitFor(() -> size(results) >= beforeRestart + 50, Duration.ofSeconds(60));
        stop.set(true);
        for (Thread t : load) {
          t.join(60_000);
        }

        Address p = Address.of(DevAccounts.account(PROVIDER).getAddress());
        long maxReceipt;
        synchronized (results) {
          maxReceipt =
              results.stream()
                  .mapToLong(r -> r.receipt().receipt().cumulativeCalls())
                  .max()
                  .orElse(0);
        }
        waitFor(
            () -> direct.channels().laneOf(client.address(), p, model).calls() >= maxReceipt,
            Duration.ofSeconds(60));
        var lane = direct.channels().laneOf(client.address(), p, model);
        assertThat(failureCount.get()).as("calls refused while the provider was down").isPositive();
        assertThat(lane.calls())
            .as("every accepted voucher redeemed")
            .isGreaterThanOrEqualTo(maxReceipt);
        assertThat(lane.calls() - size(results))
            .as("calls paid without a result: at most one per call in flight at the kill")
            .isBetween(0L, (long) CALLERS);
        assertThat(lane.amount()).isEqualTo(PRICE.times(lane.calls()));
      } finally {
        provider.destroyForcibly();
      }
    }
  }

  private static int size(List<InferenceResult> results) {
    synchronized (results) {
      return results.size();
    }
  }

  private static void waitFor(java.util.function.BooleanSupplier condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(condition.getAsBoolean()).as("condition within " + timeout).isTrue();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
