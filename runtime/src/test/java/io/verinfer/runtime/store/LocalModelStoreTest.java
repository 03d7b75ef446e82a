package io.verinfer.runtime.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.protocol.Cid;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalModelStoreTest extends ModelStoreContract {
  @TempDir Path dir;

  @Override
  protected ModelStore newStore() {
    return new LocalModelStore(dir.resolve("store-" + System.nanoTime()));
  }

  @Test
  void aBlobThatRottedOnDiskIsNeverUsed() throws IOException {
    LocalModelStore store = new LocalModelStore(dir.resolve("rot"));
    Cid cid = store.put(new byte[] {1, 2, 3, 4});
    Files.write(store.directory().resolve(cid.toString()), new byte[] {1, 2, 3, 5});
    assertThatThrownBy(() -> store.read(cid))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("no longer matches");
  }

  @Test
  void noTemporaryFilesAreLeftBehind() throws IOException {
    LocalModelStore store = new LocalModelStore(dir.resolve("tmp"));
    store.put(new byte[] {9});
    try (var files = Files.list(store.directory())) {
      assertThat(files.map(p -> p.getFileName().toString())).allMatch(n -> n.startsWith("bafkrei"));
    }
  }
}
