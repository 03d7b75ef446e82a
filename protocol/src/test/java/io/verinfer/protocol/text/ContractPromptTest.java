package io.verinfer.protocol.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class ContractPromptTest {
  @Property
  void aPromptDecodesToItself(
      @ForAll @StringLength(min = 1, max = 200) String message,
      @ForAll @IntRange(min = 1, max = ContractPrompt.MAX_TOKENS) int maxTokens) {
    // jqwik strings may hold lone surrogates, which UTF-8 cannot carry: keep what survives
    String text = new String(message.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    ContractPrompt prompt = new ContractPrompt(text, maxTokens);
    assertThat(ContractPrompt.decode(prompt.encode())).isEqualTo(prompt);
  }

  @Test
  void theLayoutIsWhatSolidityPacks() {
    // abi.encodePacked("VTC1", uint32(48), "hi")
    byte[] packed = {'V', 'T', 'C', '1', 0, 0, 0, 48, 'h', 'i'};
    assertThat(ContractPrompt.decode(packed)).isEqualTo(new ContractPrompt("hi", 48));
    assertThat(new ContractPrompt("hi", 48).encode()).isEqualTo(packed);
  }

  @Test
  void badPromptsAreRefusedWithAReason() {
    byte[] good = new ContractPrompt("hello", 10).encode();
    assertThatThrownBy(() -> ContractPrompt.decode(Arrays.copyOf(good, 8)))
        .hasMessageContaining("no message");
    byte[] zero = good.clone();
    zero[7] = 0;
    assertThatThrownBy(() -> ContractPrompt.decode(zero)).hasMessageContaining("maxTokens");
    byte[] huge = good.clone();
    huge[4] = 1;
    assertThatThrownBy(() -> ContractPrompt.decode(huge)).hasMessageContaining("maxTokens");
    byte[] notUtf8 = Arrays.copyOf(good, good.length + 1);
    notUtf8[good.length] = (byte) 0xff;
    assertThatThrownBy(() -> ContractPrompt.decode(notUtf8)).hasMessageContaining("UTF-8");
    assertThatThrownBy(() -> ContractPrompt.decode(new byte[] {'V', 'T', 'N', '1', 0}))
        .hasMessageContaining("magic");
  }
}
