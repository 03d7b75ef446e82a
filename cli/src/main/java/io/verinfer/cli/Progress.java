package io.verinfer.cli;

import java.io.PrintStream;
import java.util.function.LongConsumer;

/** A one-line progress bar on stderr for long copies (redrawn at most every 1%). */
final class Progress implements LongConsumer {
  private final PrintStream out;
  private final String label;
  private final long total;
  private int lastPercent = -1;

  Progress(PrintStream out, String label, long total) {
    this.out = out;
    this.label = label;
    this.total = total;
  }

  @Override
  public void accept(long done) {
    int percent = total <= 0 ? 100 : (int) Math.min(100, done * 100 / total);
    if (percent != lastPercent) {
      lastPercent = percent;
      int bars = percent / 5;
      out.printf(
          "\r%s [%s%s] %3d%% %,d / %,d bytes",
          label, "#".repeat(bars), " ".repeat(20 - bars), percent, done, total);
      if (percent == 100) {
        out.println();
      }
    }
  }
}
