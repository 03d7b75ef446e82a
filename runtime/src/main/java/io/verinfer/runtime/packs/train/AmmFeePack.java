package io.verinfer.runtime.packs.train;

import io.verinfer.runtime.ModelManifest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code amm-fee} pack: an MLP regressor from {@link AmmFeatures} to a fee in bps. */
public final class AmmFeePack {

  public static final String NAME = "amm-fee";
  public static final String OUTPUT = "fee_bps";
  public static final long SEED = 7_0002L;
  public static final int ROWS = 30_000;
  public static final double TEST_FRACTION = 0.2;
  public static final TrainConfig CONFIG =
      new TrainConfig(List.of(16), 30, 128, 0.01, 1e-5, SEED + 1);

  private AmmFeePack() {}

  public static TrainedPack train() {
    Dataset.Split split = AmmDataGenerator.generate(SEED, ROWS).split(TEST_FRACTION);
    boolean[] noLogScaling = new boolean[AmmFeatures.NAMES.size()];
    Mlp mlp = MlpTrainer.train(split.train(), noLogScaling, Mlp.Head.LINEAR, CONFIG);
    Mlp linear =
        MlpTrainer.train(
            split.train(), noLogScaling, Mlp.Head.LINEAR, CONFIG.withHidden(List.of()));
    String description =
        "AMM swap-fee regressor, MLP 8-16-1 (ReLU, linear) trained on seeded regime-switching"
            + " price paths. Input 'features' [batch, 8] = AmmFeatures.fromPrices(last prices): "
            + String.join(", ", AmmFeatures.NAMES)
            + ". Output 'fee_bps' [batch, 1]. See runtime/packs/amm-fee/README.md.";
    byte[] onnx = OnnxExporter.export(mlp, "amm_fee", OUTPUT, AmmFeatures.NAMES, description);

    Dataset test = split.test();
    double[] predicted = OnnxScorer.score(onnx, test.features());
    double[] baseline = linear.predict(test.features());
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("r2", Metrics.round(Metrics.r2(test.targets(), predicted), 4));
    metrics.put("mae_bps", Metrics.round(Metrics.mae(test.targets(), predicted), 4));
    metrics.put("r2_linear_baseline", Metrics.round(Metrics.r2(test.targets(), baseline), 4));
    metrics.put("mae_bps_linear_baseline", Metrics.round(Metrics.mae(test.targets(), baseline), 4));
    metrics.put("rows_train", split.train().rows());
    metrics.put("rows_test", test.rows());
    ModelManifest manifest =
        new ModelManifest(
            NAME,
            "regression",
            description,
            TrainedPack.MODEL_FILE,
            PackSchemas.rowsToColumn(AmmFeatures.NAMES.size(), OUTPUT),
            null,
            PackSchemas.TOLERANCE_PPM,
            PackSchemas.LICENSE,
            PackSchemas.ROYALTY_BPS,
            metrics);
    return new TrainedPack(manifest, onnx, mlp, test);
  }
}
