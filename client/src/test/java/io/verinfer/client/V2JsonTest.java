package io.verinfer.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.Tensor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class V2JsonTest {
  /** How a node (default Jackson) reads what the client sends and writes what it answers. */
  private static final ObjectMapper NODE = new ObjectMapper();

  /**
   * Every finite float survives both trips bit for bit: client → node (read as a double, then
   * narrowed, as the node does) and node → client (written by default Jackson, parsed here), so the
   * hashes the receipt signs are the ones the client computes.
   */
  @Property(tries = 200)
  void floatsSurviveBothDirectionsExactly(@ForAll @Size(min = 1, max = 40) List<Float> values)
      throws Exception {
    float[] data = new float[values.size()];
    for (int i = 0; i < data.length; i++) {
      float f = values.get(i);
      data[i] = Float.isFinite(f) ? f : 0f;
    }
    Tensor t = Tensor.ofFloats("x", new long[] {1, data.length}, data);
    JsonNode sent = NODE.readTree(new String(V2Json.request(List.of(t)), StandardCharsets.UTF_8));
    JsonNode elements = sent.path("inputs").get(0).path("data");
    for (int i = 0; i < data.length; i++) {
      assertThat(Float.floatToIntBits(elements.get(i).floatValue()))
          .isEqualTo(Float.floatToIntBits(data[i]));
    }

    var answer = NODE.createObjectNode();
    var output = answer.putArray("outputs").addObject();
    output.put("name", "x").put("datatype", "FP32");
    output.putArray("shape").add(1).add(data.length);
    var array = output.putArray("data");
    for (float f : data) {
      array.add(f);
    }
    List<Tensor> parsed = V2Json.outputs(NODE.writeValueAsString(answer));
    assertThat(parsed).containsExactly(t);
    assertThat(CanonicalTensors.hash(parsed)).isEqualTo(CanonicalTensors.hash(List.of(t)));
  }

  @Test
  void integerAndBooleanOutputsRoundTrip() {
    String body =
        "{\"outputs\":[{\"name\":\"ids\",\"datatype\":\"INT64\",\"shape\":[2],\"data\":[-3,9007199254740993]},"
            + "{\"name\":\"ok\",\"datatype\":\"BOOL\",\"shape\":[1,2],\"data\":[[true,false]]}]}";
    List<Tensor> outputs = V2Json.outputs(body);
    assertThat(outputs.get(0).toDoubles()[0]).isEqualTo(-3);
    assertThat(outputs.get(0).buffer().getLong(8)).isEqualTo(9_007_199_254_740_993L);
    assertThat(outputs.get(1).toDoubles()).containsExactly(1, 0);
  }

  @Test
  void malformedAnswersNameTheirFault() {
    assertThatThrownBy(() -> V2Json.outputs("{}")).hasMessageContaining("outputs");
    assertThatThrownBy(
            () ->
                V2Json.outputs(
                    "{\"outputs\":[{\"name\":\"y\",\"datatype\":\"FP32\",\"shape\":[3],\"data\":[1,2]}]}"))
        .hasMessageContaining("outputs[0].data has 2 elements");
    assertThatThrownBy(() -> V2Json.outputs("not json")).hasMessageContaining("not JSON");
  }

  @Test
  void nonFiniteInputsAreRefusedBeforeAnythingIsSigned() {
    Tensor t = Tensor.ofFloats("x", new long[] {1}, new float[] {Float.NaN});
    assertThatThrownBy(() -> V2Json.request(List.of(t)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("finite");
  }

  @Test
  void readsTheNodeErrorBody() {
    assertThat(
            V2Json.error(
                "{\"error\":{\"code\":\"STALE_VOUCHER\",\"field\":\"X-Verinfer-Voucher\",\"message\":\"m\"}}"))
        .contains(new V2Json.NodeError("STALE_VOUCHER", "X-Verinfer-Voucher", "m"));
    assertThat(V2Json.error("<html>")).isEmpty();
  }
}
