package io.verinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code --model NAME=ID} and {@code --provider} rules, checked before any chain call. */
class GatewayCommandTest {
  @Test
  void aliasesKeepTheirOrder() {
    assertThat(
            GatewayCommand.parseAliases(
                List.of("minilm-embed=1", "fraud.detect_v2=2", "org:7b-chat=18")))
        .containsExactly(
            java.util.Map.entry("minilm-embed", 1L),
            java.util.Map.entry("fraud.detect_v2", 2L),
            java.util.Map.entry("org:7b-chat", 18L));
  }

  @Test
  void badAliasesNameTheOptionAndTheExpectedForm() {
    assertThatThrownBy(() -> GatewayCommand.parseAliases(List.of("minilm-embed")))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("--model expects NAME=ID")
        .hasMessageContaining("'minilm-embed'");
    assertThatThrownBy(() -> GatewayCommand.parseAliases(List.of("a/b=1")))
        .hasMessageContaining("--model expects NAME=ID");
    assertThatThrownBy(() -> GatewayCommand.parseAliases(List.of("=1")))
        .hasMessageContaining("--model expects NAME=ID");
    assertThatThrownBy(() -> GatewayCommand.parseAliases(List.of("42=1")))
        .hasMessageContaining("--model 42=1: NAME must not be a number");
    assertThatThrownBy(() -> GatewayCommand.parseAliases(List.of("x=0")))
        .hasMessageContaining("--model x=0: ID must be an on-chain model id");
    assertThatThrownBy(() -> GatewayCommand.parseAliases(List.of("x=two")))
        .hasMessageContaining("not 'two'");
    assertThatThrownBy(() -> GatewayCommand.parseAliases(List.of("x=")))
        .hasMessageContaining("--model x=: ID must be");
    assertThatThrownBy(() -> GatewayCommand.parseAliases(List.of("x=1", "x=2")))
        .hasMessageContaining("--model x is given twice");
  }

  @Test
  void providersLimitTheRoutingAndABadOneNamesTheOption() {
    String a = "0x00000000000000000000000000000000000000aa";
    assertThat(GatewayCommand.routing(List.of()).only()).isEmpty();
    assertThat(GatewayCommand.routing(List.of(a)).allows(io.verinfer.protocol.Address.of(a)))
        .isTrue();
    assertThat(
            GatewayCommand.routing(List.of(a))
                .allows(
                    io.verinfer.protocol.Address.of("0x00000000000000000000000000000000000000bb")))
        .isFalse();
    assertThatThrownBy(() -> GatewayCommand.routing(List.of("0x12")))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("--provider 0x12 is not an address");
  }
}
