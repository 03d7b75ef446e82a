package io.verinfer.runtime.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.protocol.Cid;
import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The contract every {@link ModelStore} implementation passes (run by one subclass each). */
abstract class ModelStoreContract {
  protected abstract ModelStore newStore();

  @Test
  void aBlobIsNamedByTheCidIpfsComputes() throws IOException {
    ModelStore store = newStore();
    Cid cid = store.put("hello world".getBytes(StandardCharsets.US_ASCII));
    // the raw-codec CIDv1 that `ipfs add --cid-version 1 --raw-leaves` prints for "hello world"
    assertThat(cid).hasToString("bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e");
    assertThat(store.contains(cid)).isTrue();
    assertThat(store.read(cid)).isEqualTo("hello world".getBytes(StandardCharsets.US_ASCII));
    assertThat(store.size(cid)).isEqualTo(11);
    assertThat(store.list()).contains(cid);
  }

  @Test
  void aStreamThatDoesNotMatchItsExpectedCidIsDiscarded() {
    ModelStore store = newStore();
    Cid expected = Cid.of("the real model".getBytes(StandardCharsets.UTF_8));
    byte[] forged = "a forged model".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> store.putExpected(expected, new ByteArrayInputStream(forged), n -> {}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("discarded");
    assertThat(store.contains(expected)).isFalse();
    assertThat(store.contains(Cid.of(forged))).isFalse();
  }

  @Test
  void largeBlobsReportProgressAndRoundTrip() throws IOException {
    ModelStore store = newStore();
    byte[] blob = new byte[3 * 1024 * 1024 + 17];
    new Random(1).nextBytes(blob);
    AtomicLong last = new AtomicLong();
    Cid cid = store.put(new ByteArrayInputStream(blob), last::set);
    assertThat(last.get()).isEqualTo(blob.length);
    assertThat(cid).isEqualTo(Cid.of(blob));
    assertThat(store.read(cid)).isEqualTo(blob);
  }

  @Test
  void aMissingBlobIsReportedByName() {
    ModelStore store = newStore();
    Cid absent = Cid.of(new byte[] {42});
    assertThat(store.contains(absent)).isFalse();
    assertThatThrownBy(() -> store.open(absent))
        .isInstanceOf(FileNotFoundException.class)
        .hasMessageContaining(absent.toString());
  }
}
