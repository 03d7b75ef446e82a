package io.verinfer.runtime.store;

import io.verinfer.protocol.Cid;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/** A {@link ModelStore} in a local directory: one file per blob, named by its CID string. */
public final class LocalModelStore implements ModelStore {
  private static final int CHUNK = 1 << 16;
  private final Path dir;

  public LocalModelStore(Path dir) {
    try {
      this.dir = Files.createDirectories(dir);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot create model store " + dir, e);
    }
  }

  public Path directory() {
    return dir;
  }

  @Override
  public Cid put(InputStream in, LongConsumer progress) throws IOException {
    return write(in, null, progress);
  }

  @Override
  public void putExpected(Cid expected, InputStream in, LongConsumer progress) throws IOException {
    write(in, expected, progress);
  }

  private Cid write(InputStream in, Cid expected, LongConsumer progress) throws IOException {
    MessageDigest sha256 = sha256();
    Path tmp = Files.createTempFile(dir, ".incoming-", ".part");
    try {
      try (OutputStream out = Files.newOutputStream(tmp)) {
        byte[] buf = new byte[CHUNK];
        long total = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
          sha256.update(buf, 0, n);
          out.write(buf, 0, n);
          total += n;
          progress.accept(total);
        }
      }
      Cid cid = Cid.ofSha256Digest(sha256.digest());
      if (expected != null && !expected.equals(cid)) {
        throw new IOException(
            "blob hashes to " + cid + ", not the requested " + expected + ": discarded");
      }
      Files.move(
          tmp, file(cid), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return cid;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  @Override
  public boolean contains(Cid cid) {
    return Files.isRegularFile(file(cid));
  }

  @Override
  public InputStream open(Cid cid) throws IOException {
    try {
      return Files.newInputStream(file(cid));
    } catch (NoSuchFileException e) {
      throw new FileNotFoundException("no blob " + cid + " in " + dir);
    }
  }

  @Override
  public long size(Cid cid) throws IOException {
    try {
      return Files.size(file(cid));
    } catch (NoSuchFileException e) {
      throw new FileNotFoundException("no blob " + cid + " in " + dir);
    }
  }

  @Override
  public List<Cid> list() throws IOException {
    List<Cid> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String name = p.getFileName().toString();
        if (name.startsWith("b")) {
          try {
            out.add(Cid.parse(name));
          } catch (IllegalArgumentException notACid) {
            // a stray file: not ours to list
          }
        }
      }
    }
    return out;
  }

  private Path file(Cid cid) {
    return dir.resolve(cid.toString());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }
}
