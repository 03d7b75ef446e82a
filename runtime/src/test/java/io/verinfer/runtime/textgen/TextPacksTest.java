package io.verinfer.runtime.textgen;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.protocol.DataType;
import io.verinfer.runtime.ModelManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The text pack layout: manifest, generation.json, model, tokenizer; rebuilt byte for byte. */
class TextPacksTest {
  @Test
  void writesAManifestGenerationSettingsModelAndTokenizer(@TempDir Path dir) {
    Path pack = TinyTextPacks.write(dir, TinyTextPacks.weights(32, 1));
    ModelManifest m = ModelManifest.read(pack);
    assertThat(m.task()).isEqualTo(TextPacks.TASK);
    assertThat(m.model()).isEqualTo("model.onnx");
    assertThat(m.tokenizer()).isEqualTo("tokenizer.json");
    assertThat(m.tolerancePpm()).isZero();
    assertThat(m.schema().input("input_ids").orElseThrow().datatype()).isEqualTo(DataType.INT64);
    assertThat(m.schema().input("past_key_values.1.value").orElseThrow().shape())
        .containsExactly(-1L, 2L, -1L, 8L);
    assertThat(m.schema().outputs().get(0).shape())
        .containsExactly(-1L, -1L, (long) TinyTextPacks.VOCAB);
    GenerationSettings g = GenerationSettings.read(pack);
    assertThat(g.contextLength()).isEqualTo(32);
    assertThat(g.chatTemplate()).isEqualTo("chatml");
    assertThat(g.endTokens()).containsExactly("<|im_end|>", "<|endoftext|>");
    assertThat(pack.resolve("tokenizer.json")).exists();
  }

  @Test
  void theSameWeightsGiveTheSameFiles(@TempDir Path a, @TempDir Path b) throws Exception {
    Path one = TinyTextPacks.write(a, TinyTextPacks.weights(32, 1));
    Path two = TinyTextPacks.write(b, TinyTextPacks.weights(32, 1));
    for (String f : List.of("manifest.json", "generation.json", "model.onnx", "tokenizer.json")) {
      assertThat(Files.readAllBytes(two.resolve(f)))
          .as(f)
          .isEqualTo(Files.readAllBytes(one.resolve(f)));
    }
  }
}
