package io.verinfer.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ModelIdTest {
  @Test
  void zeroMeansNoModelAndIsRejected() {
    assertThatThrownBy(() -> ModelId.of(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("modelId must be at least 1");
    assertThatThrownBy(() -> ModelId.of(-1)).hasMessageContaining("modelId");
  }

  @Test
  void acceptsTheWholePositiveLongRange() {
    assertThat(ModelId.of(1).value()).isEqualTo(1);
    assertThat(ModelId.of(Long.MAX_VALUE).toString()).isEqualTo(Long.toString(Long.MAX_VALUE));
  }
}
