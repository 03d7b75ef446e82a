package io.verinfer.node.disputes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.chain.CursorStore;
import io.verinfer.protocol.Bytes32;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committee duty's state in real SQLite: what a restarted node finds. */
class SqliteDutyStoreTest {
  @TempDir Path dir;

  private static final Bytes32 SALT = Bytes32.keccak256(new byte[] {1, 2, 3});

  @Test
  void aStoredVoteAndSaltSurviveReopeningUntilTheReveal() {
    Path file = dir.resolve("state/disputes.db");
    try (SqliteDutyStore store = new SqliteDutyStore(file)) {
      assertThat(store.add(7, 120)).isTrue();
      assertThat(store.add(7, 121)).isFalse(); // the same committee seen again after a restart
      store.saveVote(7, new Duty.Secret(1, SALT));
    }
    try (SqliteDutyStore store = new SqliteDutyStore(file)) {
      Duty duty = store.get(7).orElseThrow();
      assertThat(duty.drawnBlock()).isEqualTo(120);
      assertThat(duty.state()).isEqualTo(Duty.State.VOTED);
      assertThat(duty.secret()).isEqualTo(new Duty.Secret(1, SALT));
      store.advance(7, Duty.State.COMMITTED, null);
    }
    try (SqliteDutyStore store = new SqliteDutyStore(file)) {
      assertThat(store.get(7).orElseThrow().secret()).isEqualTo(new Duty.Secret(1, SALT));
      assertThat(store.open()).extracting(Duty::disputeId).containsExactly(7L);
      store.advance(7, Duty.State.REVEALED, null);
      // revealed: the salt is no longer a secret worth keeping
      assertThat(store.get(7).orElseThrow().secret()).isNull();
      store.advance(7, Duty.State.CLOSED, null);
      assertThat(store.open()).isEmpty();
      assertThat(store.get(8)).isEmpty();
    }
  }

  @Test
  void aVoteIsChosenOnceAndOnlyForADrawnDuty() {
    try (SqliteDutyStore store = new SqliteDutyStore(dir.resolve("d.db"))) {
      assertThatThrownBy(() -> store.saveVote(1, new Duty.Secret(0, SALT)))
          .isInstanceOf(IllegalStateException.class);
      store.add(1, 5);
      store.saveVote(1, new Duty.Secret(0, SALT));
      assertThatThrownBy(() -> store.saveVote(1, new Duty.Secret(1, Bytes32.ZERO)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("chosen once");
      assertThat(store.get(1).orElseThrow().secret()).isEqualTo(new Duty.Secret(0, SALT));
      assertThatThrownBy(() -> store.advance(2, Duty.State.MISSED, "x"))
          .isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void endedDutiesKeepWhyAndLeaveTheOpenList() {
    try (SqliteDutyStore store = new SqliteDutyStore(dir.resolve("d.db"))) {
      store.add(3, 1);
      store.add(2, 1);
      store.add(4, 1);
      assertThat(store.open()).extracting(Duty::disputeId).containsExactly(2L, 3L, 4L);
      store.advance(3, Duty.State.ABSTAINED, "this node does not serve model 9");
      store.advance(4, Duty.State.MISSED, "the commit window closed");
      assertThat(store.open()).extracting(Duty::disputeId).containsExactly(2L);
      assertThat(store.get(3).orElseThrow().note()).isEqualTo("this node does not serve model 9");
    }
  }

  @Test
  void cursorsAreDurableAndNamed() {
    Path file = dir.resolve("d.db");
    try (SqliteDutyStore store = new SqliteDutyStore(file)) {
      CursorStore drawn = store.cursor("CommitteeDrawn");
      assertThat(drawn.load()).isEmpty();
      drawn.save(10);
      drawn.save(42);
      assertThat(store.cursor("other").load()).isEmpty();
      assertThatThrownBy(() -> drawn.save(-1)).isInstanceOf(IllegalArgumentException.class);
    }
    try (SqliteDutyStore store = new SqliteDutyStore(file)) {
      assertThat(store.cursor("CommitteeDrawn").load()).hasValue(42);
    }
  }

  @Test
  void aSecretNeverPrintsItself() {
    Duty.Secret secret = new Duty.Secret(1, SALT);
    assertThat(secret.toString()).doesNotContain(SALT.hex()).doesNotContain("1");
    assertThat(new Duty(1, 1, Duty.State.VOTED, secret, null).toString())
        .doesNotContain(SALT.hex())
        .contains("Secret[hidden]");
    assertThatThrownBy(() -> new Duty.Secret(256, SALT))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void settingsDefaultBesideTheLedgerAndValidate() {
    DutySettings on = DutySettings.besideLedger(dir.resolve("provider/ledger-8.db"));
    assertThat(on.enabled()).isTrue();
    assertThat(on.stateFile()).isEqualTo(dir.resolve("provider/ledger-8-disputes.db"));
    assertThat(DutySettings.off().enabled()).isFalse();
    assertThatThrownBy(() -> new DutySettings(true, null, Duration.ofSeconds(1), 0))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("stateFile");
    assertThatThrownBy(() -> on.withPollInterval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pollInterval");
    assertThatThrownBy(() -> new DutySettings(true, dir, Duration.ofSeconds(1), -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("confirmations");
  }
}
