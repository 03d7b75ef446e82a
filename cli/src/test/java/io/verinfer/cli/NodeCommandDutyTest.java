package io.verinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.node.disputes.DutySettings;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node config file's {@code committeeDuty} keys. */
class NodeCommandDutyTest {
  @TempDir Path dir;

  private NodeConfigFile read(String json) throws Exception {
    Path file = dir.resolve("provider.json");
    Files.writeString(file, json);
    return NodeConfigFile.read(file);
  }

  @Test
  void theDutyIsOnByDefaultWithItsStateBesideTheLedger() throws Exception {
    Path ledger = dir.resolve("provider/ledger.db");
    DutySettings duty = NodeCommand.committeeDuty(read("{}").committeeDuty(), ledger, dir);
    assertThat(duty.enabled()).isTrue();
    assertThat(duty.stateFile()).isEqualTo(dir.resolve("provider/ledger-disputes.db"));
    assertThat(
            NodeCommand.committeeDuty(read("{\"committeeDuty\": {}}").committeeDuty(), ledger, dir)
                .enabled())
        .isTrue();
  }

  @Test
  void enabledFalseTurnsItOffAndStateMovesIt() throws Exception {
    Path ledger = dir.resolve("ledger.db");
    assertThat(
            NodeCommand.committeeDuty(
                    read("{\"committeeDuty\": {\"enabled\": false}}").committeeDuty(), ledger, dir)
                .enabled())
        .isFalse();
    DutySettings moved =
        NodeCommand.committeeDuty(
            read("{\"committeeDuty\": {\"state\": \"duty/votes.db\"}}").committeeDuty(),
            ledger,
            dir);
    assertThat(moved.enabled()).isTrue();
    assertThat(moved.stateFile()).isEqualTo(dir.resolve("duty/votes.db"));
  }

  @Test
  void anUnknownKeyIsRefused() {
    assertThatThrownBy(() -> read("{\"committeeDuty\": {\"enable\": false}}"))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("enable");
  }
}
