package io.verinfer.runtime.packs.train;

import io.verinfer.runtime.ModelManifest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code fraud-detect} pack: an MLP over {@link FraudDataGenerator} transactions. */
public final class FraudDetectPack {

  public static final String NAME = "fraud-detect";
  public static final String OUTPUT = "fraud_probability";
  public static final long SEED = 7_0001L;
  public static final int ROWS = 40_000;
  public static final double TEST_FRACTION = 0.2;
  public static final TrainConfig CONFIG =
      new TrainConfig(List.of(16), 20, 256, 0.01, 1e-4, SEED + 1);

  private FraudDetectPack() {}

  public static TrainedPack train() {
    Dataset.Split split = FraudDataGenerator.generate(SEED, ROWS).split(TEST_FRACTION);
    boolean[] logMask = FraudDataGenerator.logScaledMask();
    Mlp mlp = MlpTrainer.train(split.train(), logMask, Mlp.Head.SIGMOID, CONFIG);
    Mlp logistic =
        MlpTrainer.train(split.train(), logMask, Mlp.Head.SIGMOID, CONFIG.withHidden(List.of()));
    String description =
        "Card-transaction fraud classifier, MLP 8-16-1 (ReLU, sigmoid) trained on seeded synthetic"
            + " data. Input 'features' [batch, 8] in raw units: "
            + String.join(", ", FraudDataGenerator.FEATURES)
            + ". Output 'fraud_probability' [batch, 1]. See runtime/packs/fraud-detect/README.md.";
    byte[] onnx =
        OnnxExporter.export(mlp, "fraud_detect", OUTPUT, FraudDataGenerator.FEATURES, description);

    Dataset test = split.test();
    double[] latent = new double[test.rows()];
    for (int i = 0; i < latent.length; i++) {
      latent[i] = FraudDataGenerator.latentScore(test.features()[i]);
    }
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put(
        "auc",
        Metrics.round(Metrics.auc(test.targets(), OnnxScorer.score(onnx, test.features())), 4));
    metrics.put(
        "auc_logistic_baseline",
        Metrics.round(Metrics.auc(test.targets(), logistic.predict(test.features())), 4));
    metrics.put("auc_ceiling", Metrics.round(Metrics.auc(test.targets(), latent), 4));
    metrics.put("fraud_rate", Metrics.round(Metrics.positiveRate(test.targets()), 4));
    metrics.put("rows_train", split.train().rows());
    metrics.put("rows_test", test.rows());
    ModelManifest manifest =
        new ModelManifest(
            NAME,
            "classification",
            description,
            TrainedPack.MODEL_FILE,
            PackSchemas.rowsToColumn(FraudDataGenerator.FEATURES.size(), OUTPUT),
            null,
            PackSchemas.TOLERANCE_PPM,
            PackSchemas.LICENSE,
            PackSchemas.ROYALTY_BPS,
            metrics);
    return new TrainedPack(manifest, onnx, mlp, test);
  }
}
