package io.verinfer.runtime.packs.chat;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Draws the training loss curve as a PNG: x is the step (0 to the last), y the loss (0 to the first
 * step's loss), grey lines every 1.0 of loss, the raw loss in light blue and its 25-step moving
 * average in dark blue. No text, so the picture does not depend on installed fonts.
 */
final class LossPlot {
  private static final int W = 640;
  private static final int H = 320;
  private static final int M = 20;

  private LossPlot() {}

  /** {@code log} is the CSV lines, header first. */
  static void write(List<String> log, Path png) {
    System.setProperty("java.awt.headless", "true");
    int n = log.size() - 1;
    double[] loss = new double[n];
    for (int i = 0; i < n; i++) {
      loss[i] = Double.parseDouble(log.get(i + 1).split(",")[1]);
    }
    double top = Math.ceil(loss[0]);
    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, W, H);
    g.setColor(new Color(220, 220, 220));
    for (int v = 0; v <= top; v++) {
      int y = y(v, top);
      g.drawLine(M, y, W - M, y);
    }
    g.setColor(Color.BLACK);
    g.drawLine(M, H - M, W - M, H - M);
    g.drawLine(M, M, M, H - M);
    g.setColor(new Color(160, 190, 240));
    polyline(g, loss, top);
    double[] avg = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += loss[i];
      if (i >= 25) {
        sum -= loss[i - 25];
      }
      avg[i] = sum / Math.min(i + 1, 25);
    }
    g.setColor(new Color(20, 50, 160));
    g.setStroke(new BasicStroke(2f));
    polyline(g, avg, top);
    g.dispose();
    try {
      ImageIO.write(img, "png", png.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + png, e);
    }
  }

  private static void polyline(Graphics2D g, double[] v, double top) {
    for (int i = 1; i < v.length; i++) {
      g.drawLine(x(i - 1, v.length), y(v[i - 1], top), x(i, v.length), y(v[i], top));
    }
  }

  private static int x(int i, int n) {
    return M + (int) Math.round((double) i / Math.max(1, n - 1) * (W - 2 * M));
  }

  private static int y(double v, double top) {
    return H - M - (int) Math.round(Math.min(v, top) / top * (H - 2 * M));
  }
}
