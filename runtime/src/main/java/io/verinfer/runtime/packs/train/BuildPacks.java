package io.verinfer.runtime.packs.train;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * Trains and writes the demo model packs: {@code BuildPacks <outputDir>} creates {@code
 * <outputDir>/fraud-detect} and {@code <outputDir>/amm-fee}, each with {@code model.onnx} and
 * {@code manifest.json}. Deterministic: the same code always writes the same bytes.
 */
public final class BuildPacks {

  /** Names of the packs this class can build, in build order. */
  public static final List<String> PACKS = List.of(FraudDetectPack.NAME, AmmFeePack.NAME);

  private BuildPacks() {}

  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: BuildPacks <outputDir>");
      System.exit(2);
    }
    Path outputDir = Path.of(args[0]);
    for (String pack : PACKS) {
      build(pack, outputDir, System.out);
    }
  }

  /** Trains {@code packName} and writes it under {@code outputDir}; returns the pack directory. */
  public static Path build(String packName, Path outputDir) {
    return build(packName, outputDir, null);
  }

  /** Trains {@code packName} in memory without writing anything. */
  public static TrainedPack train(String packName) {
    Supplier<TrainedPack> trainer =
        switch (packName) {
          case FraudDetectPack.NAME -> FraudDetectPack::train;
          case AmmFeePack.NAME -> AmmFeePack::train;
          default ->
              throw new IllegalArgumentException(
                  "unknown pack '" + packName + "'; known packs: " + PACKS);
        };
    return trainer.get();
  }

  private static Path build(String packName, Path outputDir, PrintStream progress) {
    long start = System.nanoTime();
    if (progress != null) {
      progress.println(packName + ": training");
    }
    TrainedPack pack = train(packName);
    Path dir = pack.writeTo(outputDir);
    if (progress != null) {
      progress.printf(
          "%s: wrote %s in %d ms, cid %s, metrics %s%n",
          packName,
          dir,
          (System.nanoTime() - start) / 1_000_000,
          pack.cid(),
          new java.util.TreeMap<>(pack.manifest().metrics()));
    }
    return dir;
  }
}
