package io.verinfer.runtime.packs.train;

import io.verinfer.protocol.DataType;
import io.verinfer.protocol.ModelSchema;
import io.verinfer.protocol.TensorSpec;
import java.util.List;

/** Manifest conventions shared by the demo packs. */
final class PackSchemas {
  static final long TOLERANCE_PPM = 1000;
  static final String LICENSE = "Apache-2.0";
  static final String ROYALTY_BPS = "1000"; // 10 % of each paid call after the protocol fee
  static final long MAX_INPUT_BYTES = 1L << 20;

  private PackSchemas() {}

  /** Input {@code features} FP32 [-1, width], output {@code output} FP32 [-1, 1], 1 MiB cap. */
  static ModelSchema rowsToColumn(int width, String output) {
    return new ModelSchema(
        List.of(new TensorSpec(OnnxExporter.INPUT, DataType.FP32, List.of(-1L, (long) width))),
        List.of(new TensorSpec(output, DataType.FP32, List.of(-1L, 1L))),
        MAX_INPUT_BYTES);
  }
}
