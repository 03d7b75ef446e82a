package io.verinfer.runtime.store;

import io.verinfer.protocol.Cid;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Content-addressed blob storage for models: a blob's name is its CIDv1 (raw, sha2-256), computed
 * while the bytes stream in, so a stored blob always matches its name.
 */
public interface ModelStore {
  /** Stores a stream; returns its CID. {@code progress} receives the bytes written so far. */
  Cid put(InputStream in, LongConsumer progress) throws IOException;

  /**
   * Stores a stream that must hash to {@code expected}; a mismatching blob is discarded (never
   * stored, never served) and an {@link IOException} says so.
   */
  void putExpected(Cid expected, InputStream in, LongConsumer progress) throws IOException;

  boolean contains(Cid cid);

  /** Opens a stored blob; throws {@link java.io.FileNotFoundException} if it is not here. */
  InputStream open(Cid cid) throws IOException;

  /** The blob's size in bytes; throws {@link java.io.FileNotFoundException} if absent. */
  long size(Cid cid) throws IOException;

  List<Cid> list() throws IOException;

  default Cid put(byte[] bytes) {
    try {
      return put(new java.io.ByteArrayInputStream(bytes), n -> {});
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  default Cid putFile(Path file, LongConsumer progress) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return put(in, progress);
    }
  }

  /** Reads a whole blob, checking its hash again (disks rot; a bad blob is never used). */
  default byte[] read(Cid cid) throws IOException {
    byte[] bytes;
    try (InputStream in = open(cid)) {
      bytes = in.readAllBytes();
    }
    if (!cid.matches(bytes)) {
      throw new IOException("stored blob " + cid + " no longer matches its CID");
    }
    return bytes;
  }
}
