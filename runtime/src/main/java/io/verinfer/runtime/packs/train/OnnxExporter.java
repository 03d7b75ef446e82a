package io.verinfer.runtime.packs.train;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.List;

/**
 * Writes an {@link Mlp} as an ONNX graph (IR version 7, opset 13), in float32:
 *
 * <pre>
 * features ─[Relu, Add 1, Log, Where(log_mask)]─ Sub(mean) ─ Div(std) ─ Gemm ─ Relu ─ … ─ Gemm
 *          ─ Sigmoid | Mul(target_std), Add(target_mean) ─▶ output
 * </pre>
 *
 * The log step is present only when some input is log-scaled. Nothing time- or machine-dependent
 * goes into the file (protobuf fields in a fixed order, a constant producer version), so the same
 * weights give the same bytes.
 */
public final class OnnxExporter {

  /** Name of the graph input, shape {@code [batch, features]}. */
  public static final String INPUT = "features";

  static final long IR_VERSION = 7;
  static final long OPSET = 13;

  private OnnxExporter() {}

  public static byte[] export(
      Mlp model, String graphName, String outputName, List<String> featureNames, String doc) {
    if (featureNames.size() != model.inputSize()) {
      throw new IllegalArgumentException("one feature name per model input is required");
    }
    GraphProto.Builder graph = GraphProto.newBuilder().setName(graphName);
    graph.addInput(valueInfo(INPUT, model.inputSize()));
    graph.addOutput(valueInfo(outputName, 1));
    String x = INPUT;
    if (anyTrue(model.logInputs)) {
      graph.addInitializer(floats("one", new long[0], new double[] {1}));
      graph.addInitializer(bools("log_mask", model.logInputs));
      graph.addNode(node("Relu", "nonnegative", x));
      graph.addNode(node("Add", "plus_one", "nonnegative", "one"));
      graph.addNode(node("Log", "logged", "plus_one"));
      graph.addNode(node("Where", "log_scaled", "log_mask", "logged", x));
      x = "log_scaled";
    }
    long width = model.inputSize();
    graph.addInitializer(floats("input_mean", new long[] {width}, model.inputMean));
    graph.addInitializer(floats("input_std", new long[] {width}, model.inputStd));
    graph.addNode(node("Sub", "centered", x, "input_mean"));
    graph.addNode(node("Div", "standardized", "centered", "input_std"));
    x = "standardized";
    int layers = model.weights.length;
    for (int l = 0; l < layers; l++) {
      double[][] w = model.weights[l];
      int in = w.length;
      int out = w[0].length;
      double[] flat = new double[in * out];
      for (int i = 0; i < in; i++) {
        System.arraycopy(w[i], 0, flat, i * out, out);
      }
      graph.addInitializer(floats("w" + l, new long[] {in, out}, flat));
      graph.addInitializer(floats("b" + l, new long[] {out}, model.biases[l]));
      graph.addNode(node("Gemm", "dense" + l, x, "w" + l, "b" + l));
      x = "dense" + l;
      if (l < layers - 1) {
        graph.addNode(node("Relu", "relu" + l, x));
        x = "relu" + l;
      }
    }
    if (model.head == Mlp.Head.SIGMOID) {
      graph.addNode(node("Sigmoid", outputName, x));
    } else {
      graph.addInitializer(floats("target_std", new long[0], new double[] {model.targetStd}));
      graph.addInitializer(floats("target_mean", new long[0], new double[] {model.targetMean}));
      graph.addNode(node("Mul", "rescaled", x, "target_std"));
      graph.addNode(node("Add", outputName, "rescaled", "target_mean"));
    }
    return ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
        .setProducerName("verinfer-packs-train")
        .setProducerVersion("1")
        .setModelVersion(1)
        .setDocString(doc)
        .addMetadataProps(
            StringStringEntryProto.newBuilder()
                .setKey("feature_names")
                .setValue(String.join(",", featureNames)))
        .setGraph(graph)
        .build()
        .toByteArray();
  }

  private static NodeProto node(String op, String output, String... inputs) {
    NodeProto.Builder node = NodeProto.newBuilder().setOpType(op).setName(output + "_" + op);
    for (String input : inputs) {
      node.addInput(input);
    }
    return node.addOutput(output).build();
  }

  private static ValueInfoProto valueInfo(String name, long width) {
    TensorShapeProto shape =
        TensorShapeProto.newBuilder()
            .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
            .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(width))
            .build();
    TypeProto type =
        TypeProto.newBuilder()
            .setTensorType(
                TypeProto.Tensor.newBuilder()
                    .setElemType(TensorProto.DataType.FLOAT_VALUE)
                    .setShape(shape))
            .build();
    return ValueInfoProto.newBuilder().setName(name).setType(type).build();
  }

  private static TensorProto floats(String name, long[] dims, double[] values) {
    TensorProto.Builder t =
        TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
    for (long d : dims) {
      t.addDims(d);
    }
    for (double v : values) {
      t.addFloatData((float) v);
    }
    return t.build();
  }

  private static TensorProto bools(String name, boolean[] values) {
    TensorProto.Builder t =
        TensorProto.newBuilder()
            .setName(name)
            .setDataType(TensorProto.DataType.BOOL_VALUE)
            .addDims(values.length);
    for (boolean v : values) {
      t.addInt32Data(v ? 1 : 0);
    }
    return t.build();
  }

  private static boolean anyTrue(boolean[] values) {
    for (boolean v : values) {
      if (v) {
        return true;
      }
    }
    return false;
  }
}
