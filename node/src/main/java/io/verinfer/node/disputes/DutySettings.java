package io.verinfer.node.disputes;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Whether and how a paid node does its committee duty ({@link CommitteeDuty}).
 *
 * @param enabled whether the node watches for committees it is drawn onto and votes; a node that is
 *     drawn and does not vote is slashed the non-reveal penalty
 * @param stateFile the SQLite file holding each dispute's vote and salt between commit and reveal,
 *     and the event cursor; losing it between a commit and its reveal loses the salt
 * @param pollInterval how often the chain is polled for new committees and for each open dispute
 * @param confirmations how deep a {@code CommitteeDrawn} event must be before the node acts on it
 */
public record DutySettings(
    boolean enabled, Path stateFile, Duration pollInterval, long confirmations) {
  public DutySettings {
    if (enabled) {
      Objects.requireNonNull(stateFile, "stateFile of an enabled committee duty");
    }
    Objects.requireNonNull(pollInterval, "pollInterval");
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("pollInterval must be positive, got " + pollInterval);
    }
    if (confirmations < 0) {
      throw new IllegalArgumentException("confirmations must be >= 0, got " + confirmations);
    }
  }

  /** The default: on, state in {@code disputes.db} beside the ledger, polling every second. */
  public static DutySettings besideLedger(Path ledgerFile) {
    String name = ledgerFile.getFileName().toString();
    String stem = name.endsWith(".db") ? name.substring(0, name.length() - 3) : name;
    return new DutySettings(
        true, ledgerFile.resolveSibling(stem + "-disputes.db"), Duration.ofSeconds(1), 0);
  }

  /** No committee duty: the node is penalised whenever it is drawn (see {@link #enabled()}). */
  public static DutySettings off() {
    return new DutySettings(false, null, Duration.ofSeconds(1), 0);
  }

  public DutySettings withPollInterval(Duration interval) {
    return new DutySettings(enabled, stateFile, interval, confirmations);
  }

  public DutySettings withStateFile(Path file) {
    return new DutySettings(enabled, file, pollInterval, confirmations);
  }
}
