package io.verinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.node.onchain.GasPolicy;
import io.verinfer.node.onchain.OnchainSettings;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node config file's {@code onchainRequests} keys. */
class NodeCommandOnchainTest {
  @TempDir Path dir;

  private OnchainSettings settings(String json) throws Exception {
    Path file = dir.resolve("provider.json");
    Files.writeString(file, json);
    return NodeCommand.onchainRequests(
        NodeConfigFile.read(file).onchainRequests(), dir.resolve("provider/ledger.db"), dir);
  }

  @Test
  void onByDefaultWithItsStateBesideTheLedger() throws Exception {
    OnchainSettings s = settings("{}");
    assertThat(s.enabled()).isTrue();
    assertThat(s.stateFile()).isEqualTo(dir.resolve("provider/ledger-onchain.db"));
    assertThat(s.gas()).isEqualTo(GasPolicy.defaults());
    assertThat(settings("{\"onchainRequests\": {}}")).isEqualTo(s);
    assertThat(settings("{\"onchainRequests\": {\"enabled\": false}}").enabled()).isFalse();
  }

  @Test
  void everyKeyReachesTheSettings() throws Exception {
    OnchainSettings s =
        settings(
            "{\"onchainRequests\": {\"state\": \"requests.db\", \"confirmations\": 6,"
                + " \"maxGasPriceGwei\": 2.5, \"priorityFeeGwei\": 0.1, \"gasOverhead\": 150000,"
                + " \"gasMargin\": 10000, \"deadlineMarginSeconds\": 60}}");
    assertThat(s.stateFile()).isEqualTo(dir.resolve("requests.db"));
    assertThat(s.confirmations()).isEqualTo(6);
    assertThat(s.deadlineMargin()).isEqualTo(Duration.ofSeconds(60));
    assertThat(s.gas())
        .isEqualTo(
            new GasPolicy(
                150_000,
                10_000,
                BigInteger.valueOf(2_500_000_000L),
                BigInteger.valueOf(100_000_000L)));
  }

  @Test
  void badValuesAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> settings("{\"onchainRequests\": {\"confirmations\": -1}}"))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("confirmations");
    assertThatThrownBy(() -> settings("{\"onchainRequests\": {\"maxGasPriceGwei\": 1e-10}}"))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("maxGasPriceGwei");
    assertThatThrownBy(() -> settings("{\"onchainRequests\": {\"priorityFeeGwei\": 500}}"))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("priorityFee");
    assertThatThrownBy(() -> settings("{\"onchainRequests\": {\"maxGas\": 1}}"))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("maxGas");
  }
}
