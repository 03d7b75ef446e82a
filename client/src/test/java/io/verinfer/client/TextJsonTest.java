package io.verinfer.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextJsonTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void asksTheProviderForBase64() throws Exception {
    JsonNode body =
        JSON.readTree(
            new String(
                TextJson.request(new ModelId(7), List.of("a", "b")).body(),
                StandardCharsets.UTF_8));
    assertThat(body.path("encoding_format").asText()).isEqualTo("base64");
    assertThat(body.path("input").size()).isEqualTo(2);
  }

  @Test
  void readsBase64AndDecimalVectorsToTheSameTensor() throws Exception {
    float[] a = {0.1f, -2.5f, Float.MIN_VALUE};
    float[] b = {3.0e-7f, 1f, -0.333333f};
    Tensor fromBase64 =
        TextJson.embeddings(
                JSON.readTree(
                    "{\"data\":[{\"embedding\":\""
                        + base64(a)
                        + "\"},{\"embedding\":\""
                        + base64(b)
                        + "\"}]}"))
            .get(0);
    Tensor fromDecimals =
        TextJson.embeddings(
                JSON.readTree(
                    "{\"data\":[{\"embedding\":"
                        + java.util.Arrays.toString(a)
                        + "},{\"embedding\":"
                        + java.util.Arrays.toString(b)
                        + "}]}"))
            .get(0);
    assertThat(fromBase64.shape()).containsExactly(2, 3);
    assertThat(fromBase64.toFloats())
        .containsExactly(0.1f, -2.5f, Float.MIN_VALUE, 3.0e-7f, 1f, -0.333333f);
    assertThat(fromDecimals.data()).isEqualTo(fromBase64.data());
  }

  @Test
  void refusesBrokenVectors() {
    assertThatThrownBy(
            () -> TextJson.embeddings(JSON.readTree("{\"data\":[{\"embedding\":\"@@\"}]}")))
        .hasMessageContaining("data[0].embedding is not valid base64");
    assertThatThrownBy(
            () -> TextJson.embeddings(JSON.readTree("{\"data\":[{\"embedding\":\"AAAAAAA=\"}]}")))
        .hasMessageContaining("not whole floats");
    assertThatThrownBy(
            () ->
                TextJson.embeddings(
                    JSON.readTree("{\"data\":[{\"embedding\":[1,2]},{\"embedding\":[1,2,3]}]}")))
        .hasMessageContaining("data[1].embedding is not a 2-vector");
    assertThatThrownBy(() -> TextJson.embeddings(JSON.readTree("{\"data\":[]}")))
        .hasMessageContaining("no data");
  }

  private static String base64(float[] v) {
    ByteBuffer buf = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(v);
    return Base64.getEncoder().encodeToString(buf.array());
  }
}
