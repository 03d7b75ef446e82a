package io.verinfer.protocol;

import java.util.Locale;

/**
 * Tensor element types, named as the Open Inference Protocol (KServe V2) names them. The code is
 * the byte that identifies the type in the canonical tensor encoding; never renumber.
 */
public enum DataType {
  BOOL(1, 1),
  UINT8(2, 1),
  INT8(3, 1),
  INT16(4, 2),
  INT32(5, 4),
  INT64(6, 8),
  FP32(7, 4),
  FP64(8, 8);

  private final int code;
  private final int byteSize;

  DataType(int code, int byteSize) {
    this.code = code;
    this.byteSize = byteSize;
  }

  /** The identifying byte in the canonical encoding. */
  public int code() {
    return code;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** Floating-point outputs compare within a tolerance; all others compare exactly. */
  public boolean isFloatingPoint() {
    return this == FP32 || this == FP64;
  }

  /** Parses a V2 datatype name ("FP32", case-insensitive); clear error for anything else. */
  public static DataType parse(String name) {
    if (name == null) {
      throw new IllegalArgumentException("datatype is missing");
    }
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "datatype '"
              + name
              + "' is not supported; use one of "
              + java.util.Arrays.toString(values()),
          e);
    }
  }

  public static DataType ofCode(int code) {
    for (DataType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown datatype code " + code);
  }
}
