package io.verinfer.client.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.client.ChatMessage;
import io.verinfer.client.TextGeneration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** OpenAI chat/completions bodies read into generations; each refusal names its field. */
class OpenAiTextTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  private static void refused(String body, boolean chat, String code, String field) {
    assertThatThrownBy(() -> OpenAiText.generation(json(body), chat))
        .isInstanceOfSatisfying(
            GatewayError.class,
            e -> {
              assertThat(e.status).isEqualTo(400);
              assertThat(e.code).isEqualTo(code);
              assertThat(e.field).isEqualTo(field);
            });
  }

  @Test
  void readsAChatWithEveryParameter() throws Exception {
    TextGeneration g =
        OpenAiText.generation(
            json(
                "{\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
                    + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi \"},"
                    + "{\"type\":\"text\",\"text\":\"there\"}]}],"
                    + "\"max_tokens\":12,\"temperature\":0,\"top_p\":0.5,\"seed\":42,"
                    + "\"stop\":\"\\n\",\"n\":1}"),
            true);
    assertThat(g.messages())
        .containsExactly(ChatMessage.system("be brief"), ChatMessage.user("hi there"));
    assertThat(g.maxTokens()).hasValue(12);
    assertThat(g.temperature()).isZero();
    assertThat(g.topP()).isEqualTo(0.5);
    assertThat(g.seed()).hasValue(42);
    assertThat(g.stop()).containsExactly("\n");
  }

  @Test
  void readsACompletionWithOpenAiDefaults() throws Exception {
    TextGeneration g =
        OpenAiText.generation(json("{\"prompt\":[\"once\"],\"max_completion_tokens\":3}"), false);
    assertThat(g.prompt()).isEqualTo("once");
    assertThat(g.maxTokens()).hasValue(3);
    assertThat(g.temperature()).isEqualTo(1);
    assertThat(g.seed()).isEmpty();
    assertThat(g.stop()).isEqualTo(List.of());
  }

  @Test
  void refusesWhatANodeWouldRefuse() {
    refused("{}", true, "EMPTY_INPUT", "messages");
    refused("{\"messages\":[]}", true, "EMPTY_INPUT", "messages");
    refused("{\"messages\":\"hi\"}", true, "MALFORMED_REQUEST", "messages");
    refused(
        "{\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}",
        true,
        "MALFORMED_REQUEST",
        "messages[0].role");
    refused(
        "{\"messages\":[{\"role\":\"user\",\"content\":7}]}",
        true,
        "MALFORMED_REQUEST",
        "messages[0].content");
    refused("{\"prompt\":\"\"}", false, "EMPTY_INPUT", "prompt");
    refused("{\"prompt\":3}", false, "MALFORMED_REQUEST", "prompt");
    String hi = "{\"prompt\":\"hi\",";
    refused(hi + "\"max_tokens\":0}", false, "MALFORMED_REQUEST", "max_tokens");
    refused(hi + "\"max_tokens\":1.5}", false, "MALFORMED_REQUEST", "max_tokens");
    refused(hi + "\"temperature\":2.5}", false, "MALFORMED_REQUEST", "temperature");
    refused(hi + "\"top_p\":0}", false, "MALFORMED_REQUEST", "top_p");
    refused(hi + "\"seed\":-1}", false, "MALFORMED_REQUEST", "seed");
    refused(hi + "\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}", false, "MALFORMED_REQUEST", "stop");
    refused(hi + "\"stop\":[\"\"]}", false, "MALFORMED_REQUEST", "stop");
    refused(hi + "\"n\":2}", false, "MALFORMED_REQUEST", "n");
  }

  @Test
  void refusesAStreamFlagThatIsNotABoolean() throws Exception {
    assertThatThrownBy(() -> OpenAiText.bool(json("{\"stream\":\"yes\"}"), "stream", false))
        .isInstanceOf(GatewayError.class)
        .hasMessageContaining("'stream'");
    assertThatThrownBy(
            () ->
                OpenAiText.bool(
                    json("{\"stream_options\":{\"include_usage\":1}}").path("stream_options"),
                    "include_usage",
                    false,
                    "stream_options"))
        .isInstanceOf(GatewayError.class)
        .hasMessageContaining("stream_options.include_usage");
    assertThat(OpenAiText.bool(json("{}").path("stream_options"), "include_usage", false))
        .isFalse();
  }
}
