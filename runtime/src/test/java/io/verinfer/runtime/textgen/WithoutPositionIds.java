package io.verinfer.runtime.textgen;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Rewrites an exported decoder the way some Optimum exports are: no {@code position_ids} input,
 * positions computed inside the graph as {@code past .. past + sequence - 1}.
 */
final class WithoutPositionIds {
  private static final Set<String> SHAPE_NODES =
      Set.of("ids_shape", "seq_len", "mask_shape", "total_len", "past_len");

  private WithoutPositionIds() {}

  static byte[] strip(byte[] model) throws InvalidProtocolBufferException {
    ModelProto m = ModelProto.parseFrom(model);
    GraphProto g = m.getGraph();
    GraphProto.Builder b = g.toBuilder().clearInput().clearNode();
    g.getInputList().stream()
        .filter(i -> !i.getName().equals(DecoderExporter.POSITION_IDS))
        .forEach(b::addInput);
    b.addInitializer(
        TensorProto.newBuilder()
            .setName("axis0")
            .setDataType(TensorProto.DataType.INT64_VALUE)
            .addDims(1)
            .addInt64Data(0));
    List<NodeProto> rest = new ArrayList<>();
    for (NodeProto n : g.getNodeList()) {
      if (SHAPE_NODES.contains(n.getOutput(0))) {
        b.addNode(n);
      } else {
        rest.add(n);
      }
    }
    b.addNode(node("Range", "positions", "past_len", "total_len", "one"));
    b.addNode(node("Unsqueeze", DecoderExporter.POSITION_IDS, "positions", "axis0"));
    rest.forEach(b::addNode);
    return m.toBuilder().setGraph(b).build().toByteArray();
  }

  private static NodeProto node(String op, String out, String... in) {
    return NodeProto.newBuilder()
        .setOpType(op)
        .setName("strip_" + out)
        .addAllInput(List.of(in))
        .addOutput(out)
        .build();
  }
}
