package io.verinfer.runtime.textgen;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Objects;

/**
 * Writes {@link DecoderWeights} as an ONNX decoder with past key values, in the Hugging Face
 * Optimum "decoder with past" layout (IR version 8, opset 17, float32):
 *
 * <pre>
 * inputs   input_ids       int64 [batch, sequence]
 *          attention_mask  int64 [batch, past + sequence]   (0 excludes a key position)
 *          position_ids    int64 [batch, sequence]
 *          past_key_values.{i}.key / .value  float [batch, heads, past, headWidth]  (i = layer)
 * outputs  logits          float [batch, sequence, vocab]
 *          present.{i}.key / .value          float [batch, heads, past + sequence, headWidth]
 * </pre>
 *
 * The first step passes past tensors of length 0. A new token at index {@code s} sees key {@code j}
 * when {@code j <= past + s} (causal) and {@code attention_mask[j] != 0}. Masked scores are set to
 * the lowest float before the softmax (not added to), so an unmasked score is never changed and a
 * fully masked row gives a uniform softmax rather than NaN. GELU is the tanh formula built from
 * elementary operators (opset 17 has no {@code Gelu}); the output head is {@code
 * Transpose(tokenEmbedding)}, folded by ONNX Runtime at load, so the embedding is stored once.
 *
 * <p>Nothing time- or machine-dependent goes into the file and protobuf fields are written in a
 * fixed order: the same weights give the same bytes.
 */
public final class DecoderExporter {
  public static final String INPUT_IDS = "input_ids";
  public static final String ATTENTION_MASK = "attention_mask";
  public static final String POSITION_IDS = "position_ids";
  public static final String LOGITS = "logits";

  static final long IR_VERSION = 8;
  static final long OPSET = 17;

  private DecoderExporter() {}

  public static String pastKey(int layer) {
    return "past_key_values." + layer + ".key";
  }

  public static String pastValue(int layer) {
    return "past_key_values." + layer + ".value";
  }

  public static String presentKey(int layer) {
    return "present." + layer + ".key";
  }

  public static String presentValue(int layer) {
    return "present." + layer + ".value";
  }

  /** The ONNX model bytes of {@code weights}; {@code graphName} names the graph. */
  public static byte[] export(DecoderWeights weights, String graphName) {
    Objects.requireNonNull(weights, "weights");
    DecoderConfig c = weights.config;
    Graph g = new Graph(graphName);
    int d = c.width();
    int heads = c.heads();
    int dh = c.headWidth();

    g.proto.addInput(
        tensorInfo(INPUT_IDS, TensorProto.DataType.INT64_VALUE, "batch_size", "sequence_length"));
    g.proto.addInput(
        tensorInfo(
            ATTENTION_MASK,
            TensorProto.DataType.INT64_VALUE,
            "batch_size",
            "total_sequence_length"));
    g.proto.addInput(
        tensorInfo(
            POSITION_IDS, TensorProto.DataType.INT64_VALUE, "batch_size", "sequence_length"));
    for (int i = 0; i < c.layers(); i++) {
      for (String name : new String[] {pastKey(i), pastValue(i)}) {
        g.proto.addInput(cacheInfo(name, heads, dh, "past_sequence_length"));
      }
    }
    g.proto.addOutput(
        tensorInfo(
            LOGITS,
            TensorProto.DataType.FLOAT_VALUE,
            "batch_size",
            "sequence_length",
            (long) c.vocabSize()));
    for (int i = 0; i < c.layers(); i++) {
      for (String name : new String[] {presentKey(i), presentValue(i)}) {
        g.proto.addOutput(cacheInfo(name, heads, dh, "total_sequence_length"));
      }
    }

    // constants
    g.floats("wte", weights.tokenEmbedding, c.vocabSize(), d);
    g.floats("wpe", weights.positionEmbedding, c.contextLength(), d);
    g.longs("zero", new long[] {0});
    g.longs("one", new long[] {1});
    g.longs("axis1", new long[] {1}, 1);
    g.longs("axes12", new long[] {1, 2}, 2);
    g.longs("split_heads", new long[] {0, 0, heads, dh}, 4);
    g.longs("merge_heads", new long[] {0, 0, d}, 3);
    g.floats("lowest", new float[] {-Float.MAX_VALUE});
    g.floats("sqrt_head_width", new float[] {(float) Math.sqrt(dh)});
    g.floats("half", new float[] {0.5f});
    g.floats("f_one", new float[] {1f});
    g.floats("gelu_cubic", new float[] {0.044715f});
    g.floats("gelu_scale", new float[] {(float) Math.sqrt(2 / Math.PI)});

    // embeddings
    g.node("Gather", "tok_emb", "wte", INPUT_IDS);
    g.node("Gather", "pos_emb", "wpe", POSITION_IDS);
    g.node("Add", "h0", "tok_emb", "pos_emb");

    // mask [batch, 1, sequence, total]: causal within the new tokens, attention_mask over all keys
    g.node("Shape", "ids_shape", INPUT_IDS);
    g.node("Gather", "seq_len", "ids_shape", "one");
    g.node("Shape", "mask_shape", ATTENTION_MASK);
    g.node("Gather", "total_len", "mask_shape", "one");
    g.node("Sub", "past_len", "total_len", "seq_len");
    g.node("Range", "key_pos", "zero", "total_len", "one");
    g.node("Range", "new_idx", "zero", "seq_len", "one");
    g.node("Add", "query_pos", "new_idx", "past_len");
    g.node("Unsqueeze", "query_col", "query_pos", "axis1");
    g.node("LessOrEqual", "causal", "key_pos", "query_col");
    g.node(
        "Cast",
        "mask_bool",
        List.of(ATTENTION_MASK),
        intAttr("to", TensorProto.DataType.BOOL_VALUE));
    g.node("Unsqueeze", "mask_4d", "mask_bool", "axes12");
    g.node("And", "allowed", "causal", "mask_4d");

    String h = "h0";
    for (int i = 0; i < c.layers(); i++) {
      DecoderWeights.Layer w = weights.layers[i];
      String p = "l" + i + ".";
      g.floats(p + "ln1_g", w.ln1Gain, d);
      g.floats(p + "ln1_b", w.ln1Bias, d);
      g.floats(p + "wq", w.wq, d, d);
      g.floats(p + "bq", w.bq, d);
      g.floats(p + "wk", w.wk, d, d);
      g.floats(p + "bk", w.bk, d);
      g.floats(p + "wv", w.wv, d, d);
      g.floats(p + "bv", w.bv, d);
      g.floats(p + "wo", w.wo, d, d);
      g.floats(p + "bo", w.bo, d);
      g.floats(p + "ln2_g", w.ln2Gain, d);
      g.floats(p + "ln2_b", w.ln2Bias, d);
      g.floats(p + "w1", w.w1, d, c.mlpWidth());
      g.floats(p + "b1", w.b1, c.mlpWidth());
      g.floats(p + "w2", w.w2, c.mlpWidth(), d);
      g.floats(p + "b2", w.b2, d);

      String a = g.layerNorm(p + "a", h, p + "ln1_g", p + "ln1_b");
      String q = g.headsOf(p + "q", g.affine(p + "q_flat", a, p + "wq", p + "bq"));
      String k = g.headsOf(p + "k", g.affine(p + "k_flat", a, p + "wk", p + "bk"));
      String v = g.headsOf(p + "v", g.affine(p + "v_flat", a, p + "wv", p + "bv"));
      g.node("Concat", presentKey(i), List.of(pastKey(i), k), intAttr("axis", 2));
      g.node("Concat", presentValue(i), List.of(pastValue(i), v), intAttr("axis", 2));
      g.node("Transpose", p + "k_t", List.of(presentKey(i)), intsAttr("perm", 0, 1, 3, 2));
      g.node("MatMul", p + "qk", q, p + "k_t");
      g.node("Div", p + "scores", p + "qk", "sqrt_head_width");
      g.node("Where", p + "masked", "allowed", p + "scores", "lowest");
      g.node("Softmax", p + "probs", List.of(p + "masked"), intAttr("axis", -1));
      g.node("MatMul", p + "o_heads", p + "probs", presentValue(i));
      g.node("Transpose", p + "o_t", List.of(p + "o_heads"), intsAttr("perm", 0, 2, 1, 3));
      g.node("Reshape", p + "o", p + "o_t", "merge_heads");
      String attn = g.affine(p + "attn", p + "o", p + "wo", p + "bo");
      g.node("Add", p + "h_mid", h, attn);

      String m = g.layerNorm(p + "m", p + "h_mid", p + "ln2_g", p + "ln2_b");
      String up = g.affine(p + "up", m, p + "w1", p + "b1");
      String act = g.gelu(p + "gelu", up);
      String down = g.affine(p + "down", act, p + "w2", p + "b2");
      g.node("Add", p + "h_out", p + "h_mid", down);
      h = p + "h_out";
    }
    g.floats("final_g", weights.finalGain, d);
    g.floats("final_b", weights.finalBias, d);
    String hf = g.layerNorm("final", h, "final_g", "final_b");
    g.node("Transpose", "wte_t", List.of("wte"), intsAttr("perm", 1, 0));
    g.node("MatMul", LOGITS, hf, "wte_t");

    return ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
        .setProducerName("verinfer-textgen")
        .setProducerVersion("1")
        .setModelVersion(1)
        .setDocString(
            "Verinfer decoder: "
                + c
                + "; Optimum decoder-with-past I/O (input_ids, attention_mask, position_ids,"
                + " past_key_values.{i}.key/value -> logits, present.{i}.key/value)")
        .setGraph(g.proto)
        .build()
        .toByteArray();
  }

  private static final class Graph {
    final GraphProto.Builder proto;
    private int nodes;

    Graph(String name) {
      proto = GraphProto.newBuilder().setName(name);
    }

    void node(String op, String output, String... inputs) {
      node(op, output, List.of(inputs));
    }

    void node(String op, String output, List<String> inputs, AttributeProto... attrs) {
      NodeProto.Builder n =
          NodeProto.newBuilder().setOpType(op).setName("n" + nodes++ + "_" + op).addOutput(output);
      n.addAllInput(inputs);
      for (AttributeProto a : attrs) {
        n.addAttribute(a);
      }
      proto.addNode(n);
    }

    String affine(String out, String x, String w, String b) {
      node("MatMul", out + "_mm", x, w);
      node("Add", out, out + "_mm", b);
      return out;
    }

    String layerNorm(String out, String x, String gain, String bias) {
      node(
          "LayerNormalization",
          out,
          List.of(x, gain, bias),
          intAttr("axis", -1),
          floatAttr("epsilon", 1e-5f));
      return out;
    }

    /** [batch, seq, width] → [batch, heads, seq, headWidth]. */
    String headsOf(String out, String x) {
      node("Reshape", out + "_split", x, "split_heads");
      node("Transpose", out, List.of(out + "_split"), intsAttr("perm", 0, 2, 1, 3));
      return out;
    }

    /** 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))). */
    String gelu(String out, String x) {
      node("Mul", out + "_x2", x, x);
      node("Mul", out + "_x3", out + "_x2", x);
      node("Mul", out + "_cx3", out + "_x3", "gelu_cubic");
      node("Add", out + "_inner", x, out + "_cx3");
      node("Mul", out + "_scaled", out + "_inner", "gelu_scale");
      node("Tanh", out + "_tanh", out + "_scaled");
      node("Add", out + "_one_plus", out + "_tanh", "f_one");
      node("Mul", out + "_half_x", x, "half");
      node("Mul", out, out + "_half_x", out + "_one_plus");
      return out;
    }

    /** A float initializer; no dims means a scalar. */
    void floats(String name, float[] values, long... dims) {
      ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      buf.asFloatBuffer().put(values);
      TensorProto.Builder t =
          TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
      for (long dim : dims) {
        t.addDims(dim);
      }
      proto.addInitializer(t.setRawData(ByteString.copyFrom(buf.array())));
    }

    /** An int64 initializer; no dims means a scalar. */
    void longs(String name, long[] values, long... dims) {
      TensorProto.Builder t =
          TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE);
      for (long dim : dims) {
        t.addDims(dim);
      }
      for (long v : values) {
        t.addInt64Data(v);
      }
      proto.addInitializer(t);
    }
  }

  private static AttributeProto intAttr(String name, long value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.INT)
        .setI(value)
        .build();
  }

  private static AttributeProto floatAttr(String name, float value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.FLOAT)
        .setF(value)
        .build();
  }

  private static AttributeProto intsAttr(String name, long... values) {
    AttributeProto.Builder a =
        AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long v : values) {
      a.addInts(v);
    }
    return a.build();
  }

  /** A tensor's type: dims are {@code String} (symbolic) or {@code Long} (fixed). */
  private static ValueInfoProto tensorInfo(String name, int elemType, Object... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (Object dim : dims) {
      TensorShapeProto.Dimension.Builder b = TensorShapeProto.Dimension.newBuilder();
      if (dim instanceof String s) {
        b.setDimParam(s);
      } else {
        b.setDimValue((Long) dim);
      }
      shape.addDim(b);
    }
    TypeProto type =
        TypeProto.newBuilder()
            .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape))
            .build();
    return ValueInfoProto.newBuilder().setName(name).setType(type).build();
  }

  private static ValueInfoProto cacheInfo(String name, int heads, int headWidth, String length) {
    return tensorInfo(
        name,
        TensorProto.DataType.FLOAT_VALUE,
        "batch_size",
        (long) heads,
        length,
        (long) headWidth);
  }
}
