package io.verinfer.runtime.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reuses the direct buffers that input tensors are copied into: {@code allocateDirect} costs a
 * noticeable share of a small model's call. Buffers come in power-of-two size classes from 64 bytes
 * to 1 MiB (larger ones are allocated and dropped), at most {@value #PER_CLASS} kept per class. A
 * buffer goes back only after the ONNX tensor over it is closed.
 */
final class DirectBufferPool {
  private static final int MIN = 64;
  private static final int MAX_POOLED = 1 << 20;
  private static final int PER_CLASS = 64;

  private final ConcurrentHashMap<Integer, ConcurrentLinkedDeque<ByteBuffer>> free =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Integer, AtomicInteger> sizes = new ConcurrentHashMap<>();

  ByteBuffer take(int bytes) {
    int capacity = sizeClass(bytes);
    ByteBuffer buf = null;
    if (capacity <= MAX_POOLED) {
      ConcurrentLinkedDeque<ByteBuffer> deque = free.get(capacity);
      buf = deque == null ? null : deque.pollFirst();
      if (buf != null) {
        sizes.get(capacity).decrementAndGet();
      }
    }
    if (buf == null) {
      buf = ByteBuffer.allocateDirect(capacity);
    }
    buf.clear().limit(bytes);
    return buf.order(ByteOrder.nativeOrder());
  }

  void give(ByteBuffer buf) {
    int capacity = buf.capacity();
    if (capacity > MAX_POOLED || Integer.bitCount(capacity) != 1) {
      return;
    }
    AtomicInteger count = sizes.computeIfAbsent(capacity, c -> new AtomicInteger());
    if (count.incrementAndGet() > PER_CLASS) {
      count.decrementAndGet();
      return;
    }
    free.computeIfAbsent(capacity, c -> new ConcurrentLinkedDeque<>()).offerFirst(buf);
  }

  private static int sizeClass(int bytes) {
    if (bytes <= MIN) {
      return MIN;
    }
    return bytes > (1 << 30) ? bytes : Integer.highestOneBit(bytes - 1) << 1;
  }
}
