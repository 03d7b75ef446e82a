package io.verinfer.runtime.packs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.TensorSpec;
import io.verinfer.runtime.ModelManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two demo packs, trained for real and run through real ONNX Runtime. */
class BuildPacksTest {

  private static TrainedPack fraud;
  private static TrainedPack amm;

  @BeforeAll
  static void trainOnce() {
    fraud = BuildPacks.train(FraudDetectPack.NAME);
    amm = BuildPacks.train(AmmFeePack.NAME);
  }

  @Test
  void trainingTwiceWritesIdenticalBytes(@TempDir Path first, @TempDir Path second)
      throws IOException {
    for (TrainedPack pack : new TrainedPack[] {fraud, amm}) {
      Path a = BuildPacks.build(pack.name(), first);
      Path b = BuildPacks.build(pack.name(), second);
      byte[] modelA = Files.readAllBytes(a.resolve("model.onnx"));
      byte[] modelB = Files.readAllBytes(b.resolve("model.onnx"));
      assertThat(Cid.of(modelB)).isEqualTo(Cid.of(modelA)).isEqualTo(pack.cid());
      assertThat(Files.readAllBytes(b.resolve(ModelManifest.FILE)))
          .isEqualTo(Files.readAllBytes(a.resolve(ModelManifest.FILE)));
      assertThat(ModelManifest.read(a)).isEqualTo(pack.manifest());
    }
  }

  @Test
  void onnxOutputEqualsTheJavaForwardPass() {
    Random rnd = new Random(99);
    double[][] fraudRows = FraudDataGenerator.generate(12345, 400).features();
    for (int i = 0; i < 100; i++) {
      fraudRows[i] =
          new double[] {
            rnd.nextDouble() * 5000,
            rnd.nextInt(24),
            rnd.nextInt(5),
            rnd.nextDouble() * 9000,
            rnd.nextInt(10),
            rnd.nextInt(3651),
            rnd.nextInt(2),
            rnd.nextInt(2)
          };
    }
    assertClose(fraud, fraudRows, 1e-5);
    double[][] ammRows = AmmDataGenerator.generate(12345, 400).features();
    for (int i = 0; i < 100; i++) {
      ammRows[i] = AmmFeatures.fromPrices(randomPath(rnd));
    }
    assertClose(amm, ammRows, 1e-5);
    assertClose(fraud, fraud.heldOut().features(), 1e-5);
    assertClose(amm, amm.heldOut().features(), 1e-5);
  }

  /**
   * Probabilities must agree within {@code tolerance}; a regression output within {@code tolerance}
   * of its own scale (the target's standard deviation, ≈ 36 bps for fee_bps), because float32
   * rounding of O(1) activations is magnified by that factor when the graph turns them back into
   * basis points.
   */
  private static void assertClose(TrainedPack pack, double[][] rows, double tolerance) {
    double[] onnx = OnnxScorer.score(pack.onnx(), rows);
    double[] java = pack.model().predict(rows);
    for (int i = 0; i < rows.length; i++) {
      double scale = pack.model().head == Mlp.Head.LINEAR ? pack.model().targetStd : 1;
      double allowed = tolerance * scale;
      assertThat(Math.abs(onnx[i] - java[i]))
          .as("%s row %d %s", pack.name(), i, Arrays.toString(rows[i]))
          .isLessThanOrEqualTo(allowed);
    }
  }

  private static double[] randomPath(Random rnd) {
    double sigma = 0.0005 + rnd.nextDouble() * 0.03;
    return AmmDataGenerator.constantVolatilityPath(rnd.nextLong(), sigma, 64, 1 + rnd.nextDouble());
  }

  @Test
  void fraudModelRanksHeldOutFraudWellThroughOnnxRuntime(@TempDir Path dir) throws IOException {
    Path pack = BuildPacks.build(FraudDetectPack.NAME, dir);
    Dataset heldOut =
        FraudDataGenerator.generate(FraudDetectPack.SEED, FraudDetectPack.ROWS)
            .split(FraudDetectPack.TEST_FRACTION)
            .test();
    byte[] model = Files.readAllBytes(pack.resolve("model.onnx"));
    double auc = Metrics.auc(heldOut.targets(), OnnxScorer.score(model, heldOut.features()));
    assertThat(auc).isGreaterThan(0.85);
    assertThat((Double) ModelManifest.read(pack).metrics().get("auc"))
        .isEqualTo(Metrics.round(auc, 4));
  }

  @Test
  void calmMarketsGetALowerFeeThanVolatileOnes() {
    double[] sigmas = {0.001, 0.003, 0.008, 0.02};
    double[][] fees = new double[sigmas.length][];
    for (int s = 0; s < sigmas.length; s++) {
      double[][] rows = new double[20][];
      for (int i = 0; i < rows.length; i++) {
        rows[i] =
            AmmFeatures.fromPrices(AmmDataGenerator.constantVolatilityPath(i, sigmas[s], 64, 100));
      }
      fees[s] = OnnxScorer.score(amm.onnx(), rows);
    }
    double[] calm = fees[0];
    double[] volatileMarket = fees[sigmas.length - 1];
    for (int i = 0; i < calm.length; i++) {
      assertThat(calm[i]).as("calm path %d", i).isLessThan(15);
      assertThat(volatileMarket[i]).as("volatile path %d", i).isGreaterThan(70);
    }
    double[] means =
        Arrays.stream(fees).mapToDouble(f -> Arrays.stream(f).average().orElseThrow()).toArray();
    assertThat(means).isSorted();
  }

  @Test
  void metricsAreWhatTheReadmesPromise() {
    assertThat((Double) fraud.manifest().metrics().get("auc")).isGreaterThan(0.9);
    assertThat((Double) amm.manifest().metrics().get("r2")).isGreaterThan(0.9);
    assertThat((Double) amm.manifest().metrics().get("mae_bps")).isLessThan(6.0);
  }

  @Test
  void onnxGraphsMatchTheirManifestSchemas() throws OrtException {
    for (TrainedPack pack : new TrainedPack[] {fraud, amm}) {
      TensorSpec in = pack.manifest().schema().inputs().get(0);
      TensorSpec out = pack.manifest().schema().outputs().get(0);
      try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
          OrtSession session = OnnxScorer.environment().createSession(pack.onnx(), options)) {
        TensorInfo input = (TensorInfo) session.getInputInfo().get(in.name()).getInfo();
        TensorInfo output = (TensorInfo) session.getOutputInfo().get(out.name()).getInfo();
        assertThat(input.getShape()).containsExactly(-1, pack.model().inputSize());
        assertThat(output.getShape()).containsExactly(-1, 1);
        assertThat(in.accepts(new long[] {7, pack.model().inputSize()})).isTrue();
      }
      assertThat(pack.manifest().task()).isIn("classification", "regression");
      assertThat(pack.manifest().license()).isEqualTo("Apache-2.0");
    }
  }

  @Test
  void unknownPackNamesAreRejectedWithTheKnownOnes() {
    assertThatThrownBy(() -> BuildPacks.build("nope", Path.of("unused")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fraud-detect")
        .hasMessageContaining("amm-fee");
  }
}
