package io.verinfer.node.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.protocol.SignedVoucher;
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

  /** Accepts vouchers forever, printing each call number once {@code accept} has returned. */
  public static final class Writer {
    public static void main(String[] args) {
      VoucherLedger ledger = new SqliteVoucherLedger(Path.of(args[0]));
      for (long calls = 1; calls <= 1_000_000; calls++) {
        ledger.accept(voucher(1, calls * 3, calls));
        System.out.println("ACCEPTED " + calls);
      }
    }
  }

  @Test
  void everyAcceptedVoucherSurvivesKillDashNine() throws Exception {
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
    long lastAcknowledged = 0;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.startsWith("ACCEPTED ")) {
          lastAcknowledged = Long.parseLong(line.substring(9));
          if (lastAcknowledged >= 200) {
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no flush, no close
            break;
          }
        }
      }
    }
    assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(lastAcknowledged).isGreaterThanOrEqualTo(200);

    try (VoucherLedger reopened = new SqliteVoucherLedger(file)) {
      List<SignedVoucher> pending = reopened.pending();
      assertThat(pending).hasSize(1);
      long stored = pending.get(0).voucher().cumulativeCalls();
      assertThat(stored)
          .as("every voucher acknowledged before the kill is on disk")
          .isGreaterThanOrEqualTo(lastAcknowledged);
      assertThat(pending.get(0).verify(DOMAIN)).isTrue();
    }
  }
}
