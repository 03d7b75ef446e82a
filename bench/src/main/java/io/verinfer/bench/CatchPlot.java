package io.verinfer.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/** Draws measured and analytic catch probability against calls into a PNG (headless AWT). */
final class CatchPlot {
  private static final int W = 900;
  private static final int H = 560;
  private static final int LEFT = 80;
  private static final int RIGHT = 30;
  private static final int TOP = 50;
  private static final int BOTTOM = 70;

  private CatchPlot() {}

  static void write(Path file, double[] measured, double[] analytic, String title) {
    System.setProperty("java.awt.headless", "true");
    BufferedImage image = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, W, H);
      int n = measured.length - 1;
      int plotW = W - LEFT - RIGHT;
      int plotH = H - TOP - BOTTOM;
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
      // grid and axes
      for (int i = 0; i <= 10; i++) {
        int y = TOP + plotH - i * plotH / 10;
        g.setColor(new Color(230, 230, 230));
        g.drawLine(LEFT, y, LEFT + plotW, y);
        g.setColor(Color.DARK_GRAY);
        g.drawString(String.format(Locale.ROOT, "%.1f", i / 10.0), LEFT - 35, y + 5);
      }
      int step = niceStep(n);
      for (int x = 0; x <= n; x += step) {
        int px = LEFT + (int) ((long) x * plotW / Math.max(1, n));
        g.setColor(new Color(230, 230, 230));
        g.drawLine(px, TOP, px, TOP + plotH);
        g.setColor(Color.DARK_GRAY);
        g.drawString(Integer.toString(x), px - 10, TOP + plotH + 20);
      }
      g.setColor(Color.BLACK);
      g.drawRect(LEFT, TOP, plotW, plotH);
      g.drawString("calls n", LEFT + plotW / 2 - 20, H - 25);
      g.rotate(-Math.PI / 2);
      g.drawString("P(cheater caught within n calls)", -(TOP + plotH / 2) - 100, 25);
      g.rotate(Math.PI / 2);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
      g.drawString(title, LEFT, 30);
      // curves
      g.setStroke(new BasicStroke(2.5f));
      g.setColor(new Color(30, 90, 200));
      g.draw(curve(analytic, plotW, plotH));
      g.setStroke(new BasicStroke(2f));
      g.setColor(new Color(220, 80, 30));
      g.draw(curve(measured, plotW, plotH));
      // legend
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
      int ly = TOP + plotH - 60;
      g.setColor(new Color(30, 90, 200));
      g.fillRect(LEFT + plotW - 260, ly - 10, 20, 4);
      g.setColor(Color.BLACK);
      g.drawString("analytic 1 - (1 - p c)^n", LEFT + plotW - 230, ly - 3);
      g.setColor(new Color(220, 80, 30));
      g.fillRect(LEFT + plotW - 260, ly + 15, 20, 4);
      g.setColor(Color.BLACK);
      g.drawString("measured (empirical CDF)", LEFT + plotW - 230, ly + 22);
    } finally {
      g.dispose();
    }
    try {
      ImageIO.write(image, "png", file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path2D curve(double[] ys, int plotW, int plotH) {
    Path2D path = new Path2D.Double();
    int n = ys.length - 1;
    for (int x = 0; x <= n; x++) {
      double px = LEFT + (double) x * plotW / Math.max(1, n);
      double py = TOP + plotH - ys[x] * plotH;
      if (x == 0) {
        path.moveTo(px, py);
      } else {
        path.lineTo(px, py);
      }
    }
    return path;
  }

  private static int niceStep(int n) {
    int[] steps = {1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000};
    for (int s : steps) {
      if (n / s <= 10) {
        return s;
      }
    }
    return Math.max(1, n / 10);
  }
}
