package io.verinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.node.faults.FaultInjection;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node config file's {@code faults} keys, checked before the node starts. */
class NodeCommandFaultsTest {
  @TempDir Path dir;

  private NodeConfigFile read(String json) throws Exception {
    Path file = dir.resolve("provider.json");
    Files.writeString(file, json);
    return NodeConfigFile.read(file);
  }

  @Test
  void theConfigFileCarriesFaultsAsANestedObject() throws Exception {
    NodeConfigFile file =
        read("{\"devAccount\": 8, \"faults\": {\"corruptFraction\": 0.25, \"seed\": 42}}");
    assertThat(file.faults()).isEqualTo(new NodeConfigFile.Faults(0.25, 42L));
    assertThat(NodeCommand.faults(file.faults(), 31_337)).isEqualTo(new FaultInjection(0.25, 42));
    assertThat(read("{\"devAccount\": 8}").faults()).isNull();
    assertThat(NodeCommand.faults(null, 1)).isEqualTo(FaultInjection.none());
  }

  @Test
  void anUnknownFaultsKeyIsRefused() {
    assertThatThrownBy(() -> read("{\"faults\": {\"corruptFraktion\": 0.5}}"))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("corruptFraktion");
  }

  @Test
  void theSeedDefaultsToZero() {
    assertThat(NodeCommand.faults(new NodeConfigFile.Faults(0.5, null), 31_337))
        .isEqualTo(new FaultInjection(0.5, 0));
  }

  @Test
  void faultsOnAnotherChainAreAUserErrorNamingTheKeyAndTheChain() {
    assertThatThrownBy(() -> NodeCommand.faults(new NodeConfigFile.Faults(0.25, 1L), 1))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("faults.corruptFraction")
        .hasMessageContaining("not on chain 1");
    // a fraction of 0 corrupts nothing, so it is harmless anywhere
    assertThat(NodeCommand.faults(new NodeConfigFile.Faults(0.0, 1L), 1).active()).isFalse();
  }

  @Test
  void aFractionOutsideZeroToOneIsAUserErrorNamingTheKey() {
    assertThatThrownBy(() -> NodeCommand.faults(new NodeConfigFile.Faults(1.5, null), 31_337))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("faults.corruptFraction")
        .hasMessageContaining("1.5");
  }
}
