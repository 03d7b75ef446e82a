package io.verinfer.runtime.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import io.verinfer.protocol.DataType;
import io.verinfer.protocol.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Converts between protocol {@link Tensor}s (little-endian bytes) and ONNX Runtime tensors. */
public final class OrtTensors {
  private OrtTensors() {}

  /** A new ORT tensor holding a copy of {@code t}; the caller closes it. */
  public static OnnxTensor toOrt(OrtEnvironment env, Tensor t) throws OrtException {
    ByteBuffer le = t.buffer();
    return toOrt(env, t, ByteBuffer.allocateDirect(le.remaining()).order(ByteOrder.nativeOrder()));
  }

  /**
   * A new ORT tensor over {@code direct} (native order, at least {@code t.byteSize()} bytes
   * remaining), filled with a copy of {@code t}; the buffer must outlive the tensor.
   */
  static OnnxTensor toOrt(OrtEnvironment env, Tensor t, ByteBuffer direct) throws OrtException {
    ByteBuffer le = t.buffer();
    long[] shape = t.shape();
    return switch (t.datatype()) {
      case FP32 -> {
        direct.asFloatBuffer().put(le.asFloatBuffer());
        yield OnnxTensor.createTensor(env, direct.asFloatBuffer(), shape);
      }
      case FP64 -> {
        direct.asDoubleBuffer().put(le.asDoubleBuffer());
        yield OnnxTensor.createTensor(env, direct.asDoubleBuffer(), shape);
      }
      case INT64 -> {
        direct.asLongBuffer().put(le.asLongBuffer());
        yield OnnxTensor.createTensor(env, direct.asLongBuffer(), shape);
      }
      case INT32 -> {
        direct.asIntBuffer().put(le.asIntBuffer());
        yield OnnxTensor.createTensor(env, direct.asIntBuffer(), shape);
      }
      case INT16 -> {
        direct.asShortBuffer().put(le.asShortBuffer());
        yield OnnxTensor.createTensor(env, direct.asShortBuffer(), shape, OnnxJavaType.INT16);
      }
      case INT8 -> OnnxTensor.createTensor(env, direct.put(le).flip(), shape, OnnxJavaType.INT8);
      case UINT8 -> OnnxTensor.createTensor(env, direct.put(le).flip(), shape, OnnxJavaType.UINT8);
      case BOOL -> OnnxTensor.createTensor(env, direct.put(le).flip(), shape, OnnxJavaType.BOOL);
    };
  }

  /** Copies an ORT output tensor into a protocol tensor named {@code name}. */
  public static Tensor fromOrt(String name, OnnxTensor value) {
    TensorInfo info = value.getInfo();
    DataType type = dataType(info.type, name);
    ByteBuffer raw = value.getByteBuffer().order(ByteOrder.nativeOrder());
    byte[] out = new byte[raw.remaining()];
    ByteBuffer le = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    switch (type) {
      case FP32 -> le.asFloatBuffer().put(raw.asFloatBuffer());
      case FP64 -> le.asDoubleBuffer().put(raw.asDoubleBuffer());
      case INT64 -> le.asLongBuffer().put(raw.asLongBuffer());
      case INT32 -> le.asIntBuffer().put(raw.asIntBuffer());
      case INT16 -> le.asShortBuffer().put(raw.asShortBuffer());
      case INT8, UINT8, BOOL -> le.put(raw);
    }
    return Tensor.wrap(name, type, info.getShape(), out);
  }

  /** The protocol datatype of an ORT element type; unsupported ones are refused by name. */
  public static DataType dataType(OnnxJavaType type, String tensor) {
    return switch (type) {
      case FLOAT -> DataType.FP32;
      case DOUBLE -> DataType.FP64;
      case INT64 -> DataType.INT64;
      case INT32 -> DataType.INT32;
      case INT16 -> DataType.INT16;
      case INT8 -> DataType.INT8;
      case UINT8 -> DataType.UINT8;
      case BOOL -> DataType.BOOL;
      default ->
          throw new IllegalArgumentException(
              "tensor " + tensor + " has ONNX type " + type + ", which Verinfer does not serve");
    };
  }
}
