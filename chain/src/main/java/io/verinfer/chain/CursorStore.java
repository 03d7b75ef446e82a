package io.verinfer.chain;

import java.util.OptionalLong;

/**
 * Where a {@link LogWatcher} keeps its progress: the next block whose logs have not been delivered
 * yet. A durable implementation lets a restarted watcher resume instead of replaying from genesis.
 */
public interface CursorStore {

  /** The saved next block, or empty when nothing was saved yet. */
  OptionalLong load();

  /** Records that every log below {@code nextBlock} has been delivered. */
  void save(long nextBlock);

  /** A store that lives only as long as this object; for tests and throw-away watchers. */
  static CursorStore inMemory() {
    return new InMemory();
  }

  /** {@link CursorStore} kept in a field; thread-safe. */
  final class InMemory implements CursorStore {
    private volatile long next = -1;

    @Override
    public OptionalLong load() {
      long value = next;
      return value < 0 ? OptionalLong.empty() : OptionalLong.of(value);
    }

    @Override
    public void save(long nextBlock) {
      if (nextBlock < 0) {
        throw new IllegalArgumentException("nextBlock must be >= 0, got " + nextBlock);
      }
      next = nextBlock;
    }
  }
}
