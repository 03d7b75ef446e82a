package io.verinfer.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.protocol.SignedVoucher;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SqliteLaneStoreTest extends LaneStoreContract {
  private static final Path DIR;

  static {
    try {
      DIR = Files.createTempDirectory("lane-store-test");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  protected LaneStore newStore() {
    return new SqliteLaneStore(DIR.resolve("lanes-" + System.nanoTime() + ".db"));
  }

  @Test
  void aReopenedStoreRemembersEveryLane() {
    Path file = DIR.resolve("reopen.db");
    SignedVoucher v = voucher(LANE, 700, 7);
    try (LaneStore store = new SqliteLaneStore(file)) {
      store.saveAll(List.of(v));
    }
    try (LaneStore store = new SqliteLaneStore(file)) {
      assertThat(store.newest(LANE)).contains(v);
    }
  }

  /** Signs vouchers forever, printing each call number once {@code saveAll} has returned. */
  public static final class Writer {
    public static void main(String[] args) {
      LaneStore store = new SqliteLaneStore(Path.of(args[0]));
      for (long calls = 1; calls <= 1_000_000; calls++) {
        store.saveAll(List.of(voucher(LANE, calls * 5, calls)));
        System.out.println("SAVED " + calls);
      }
    }
  }

  @Test
  void everySavedVoucherSurvivesKillDashNine() throws Exception {
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
        if (line.startsWith("SAVED ")) {
          lastAcknowledged = Long.parseLong(line.substring(6));
          if (lastAcknowledged >= 100) {
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no flush, no close
            break;
          }
        }
      }
    }
    assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(lastAcknowledged).isGreaterThanOrEqualTo(100);
    try (LaneStore reopened = new SqliteLaneStore(file)) {
      long stored = reopened.newest(LANE).orElseThrow().voucher().cumulativeCalls();
      assertThat(stored)
          .as("every voucher saved before the kill is on disk")
          .isGreaterThanOrEqualTo(lastAcknowledged);
      assertThat(reopened.newest(LANE).orElseThrow().verify(DOMAIN)).isTrue();
    }
  }
}
