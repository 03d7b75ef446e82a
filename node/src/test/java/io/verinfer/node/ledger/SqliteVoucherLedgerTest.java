package io.verinfer.node.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SqliteVoucherLedgerTest extends VoucherLedgerContract {
  private static final Path DIR;

  static {
    try {
      DIR = Files.createTempDirectory("ledger-test");
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  protected VoucherLedger newLedger() {
    return new SqliteVoucherLedger(DIR.resolve("ledger-" + System.nanoTime() + ".db"));
  }

  /**
   * Answers calls from 8 threads (each thread its own residue of call numbers, so calls arrive out
   * of order), printing each call number once {@code serve} has returned.
   */
  public static final class Writer {
    public static void main(String[] args) throws InterruptedException {
      VoucherLedger ledger = new SqliteVoucherLedger(Path.of(args[0]));
      List<Thread> threads = new java.util.ArrayList<>();
      for (int t = 0; t < 8; t++) {
        long first = t + 1;
        threads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      for (long c = first; c <= 1_000_000; c += 8) {
                        ledger.serve(voucher(1, c * 3, c), PRICE);
                        synchronized (System.out) {
                          System.out.println("ANSWERED " + c);
                        }
                      }
                    }));
      }
      for (Thread t : threads) {
        t.join();
      }
    }
  }

  @Test
  void everyAnsweredCallSurvivesKillDashNine() throws Exception {
    Path file = DIR.resolve("crash.db");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                Writer.class.getName(),
                file.toString())
            .redirectErrorStream(true)
            .start();
    List<Long> acknowledged = new java.util.ArrayList<>();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.startsWith("ANSWERED ")) {
          acknowledged.add(Long.parseLong(line.substring(9)));
          if (acknowledged.size() >= 2_000) {
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no flush, no close
            break;
          }
        }
      }
    }
    assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(2_000);

    try (VoucherLedger reopened = new SqliteVoucherLedger(file)) {
      List<LaneRecord> pending = reopened.pending();
      assertThat(pending).hasSize(1);
      LaneRecord lane = pending.get(0);
      assertThat(acknowledged)
          .as("every call answered before the kill is on disk")
          .allMatch(lane::answered);
      SignedVoucher newest = lane.newest().orElseThrow();
      assertThat(newest.verify(DOMAIN)).isTrue();
      assertThat(newest.voucher().cumulativeAmount()).isEqualTo(PRICE.times(lane.calls()));
    }
  }

  @Test
  void aReopenedLedgerHoldsWhatWasWritten() {
    Path file = DIR.resolve("reopen-" + System.nanoTime() + ".db");
    LaneRecord before;
    Lane lane = Lane.of(voucher(1, 0, 1).voucher());
    try (VoucherLedger ledger = new SqliteVoucherLedger(file)) {
      ledger.serve(voucher(1, 30, 10), PRICE);
      ledger.serve(voucher(1, 12, 4), PRICE);
      ledger.markRedeemed(lane, TokenAmount.of(30), 10);
      ledger.serve(voucher(1, 45, 15), PRICE);
      before = ledger.lane(lane);
    }
    try (VoucherLedger reopened = new SqliteVoucherLedger(file)) {
      assertThat(reopened.lane(lane)).isEqualTo(before);
      assertThat(reopened.lane(lane).gaps())
          .containsExactly(1, 2, 3, 5, 6, 7, 8, 9, 11, 12, 13, 14);
      assertThat(reopened.unredeemedBy(CONSUMER.address())).isEqualTo(TokenAmount.of(15));
    }
  }
}
