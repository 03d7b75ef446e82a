package io.verinfer.cli;

import java.io.PrintStream;
import java.util.function.LongConsumer;

/** A one-line progress bar on stderr for long steps (redrawn at most every 1%). */
final class Progress implements LongConsumer {
  private final PrintStream out;
  private final String label;
  private final long total;
  private final String unit;
  private int lastPercent = -1;

  /** A bar counting bytes. */
  Progress(PrintStream out, String label, long total) {
    this(out, label, total, "bytes");
  }

  /** A bar counting {@code unit}s, e.g. "models". */
  Progress(PrintStream out, String label, long total, String unit) {
    this.out = out;
    this.label = label;
    this.total = total;
    this.unit = unit;
  }

  @Override
  public void accept(long done) {
    int percent = total <= 0 ? 100 : (int) Math.min(100, done * 100 / total);
    if (percent != lastPercent) {
      lastPercent = percent;
      int bars = percent / 5;
      out.printf(
          "\r%s [%s%s] %3d%% %,d / %,d %s",
          label, "#".repeat(bars), " ".repeat(20 - bars), percent, done, total, unit);
      if (percent == 100) {
        out.println();
      }
    }
  }
}
