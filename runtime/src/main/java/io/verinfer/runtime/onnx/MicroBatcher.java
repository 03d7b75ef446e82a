package io.verinfer.runtime.onnx;

import io.verinfer.protocol.Tensor;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Dynamic micro-batching for one model with a batch axis. A dispatcher takes the first waiting
 * request, then a run permit (while every run slot is busy, newer requests pile up and batch), then
 * stacks compatible requests (same inputs, same dimensions after the first) along axis 0 up to
 * {@code maxRows}, waiting at most {@code maxWait} for company, runs the stacked batch and slices
 * each caller's rows back out. An idle model holds no run slot.
 */
final class MicroBatcher implements AutoCloseable {
  record Pending(
      List<Tensor> inputs, long rows, String key, CompletableFuture<List<Tensor>> result) {}

  private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Deque<Pending> carried = new ArrayDeque<>();
  private final Function<List<Tensor>, List<Tensor>> runner;
  private final Semaphore permits;
  private final int maxRows;
  private final long maxWaitNanos;
  private final ExecutorService runs = Executors.newVirtualThreadPerTaskExecutor();
  private final Thread dispatcher;
  private volatile boolean closed;
  private final java.util.concurrent.atomic.AtomicLong batches =
      new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong stackedRequests =
      new java.util.concurrent.atomic.AtomicLong();

  MicroBatcher(
      String model,
      Function<List<Tensor>, List<Tensor>> runner,
      Semaphore permits,
      int maxRows,
      Duration maxWait) {
    this.runner = runner;
    this.permits = permits;
    this.maxRows = maxRows;
    this.maxWaitNanos = maxWait.toNanos();
    this.dispatcher = Thread.ofPlatform().daemon().name("batcher-" + model).start(this::loop);
  }

  CompletableFuture<List<Tensor>> submit(List<Tensor> inputs, long rows) {
    CompletableFuture<List<Tensor>> result = new CompletableFuture<>();
    if (closed) {
      result.completeExceptionally(new IllegalStateException("engine is closed"));
      return result;
    }
    queue.add(new Pending(inputs, rows, key(inputs), result));
    return result;
  }

  private void loop() {
    while (!closed) {
      Pending first;
      try {
        // Wait for work first, then for a run slot: an idle model must never hold a slot, and
        // while every slot is busy, newer requests pile up in the queue and batch.
        first = carried.isEmpty() ? queue.take() : carried.poll();
        permits.acquire();
      } catch (InterruptedException e) {
        return;
      }
      List<Pending> batch;
      try {
        batch = collect(first);
      } catch (InterruptedException e) {
        permits.release();
        return;
      }
      runs.execute(
          () -> {
            Runnable deliver;
            try {
              deliver = execute(batch);
            } finally {
              permits.release(); // before the callers hear back: a caller never sees its slot held
            }
            deliver.run();
          });
    }
  }

  private List<Pending> collect(Pending first) throws InterruptedException {
    List<Pending> batch = new ArrayList<>();
    batch.add(first);
    long rows = first.rows();
    long deadline = System.nanoTime() + maxWaitNanos;
    while (rows < maxRows) {
      long left = deadline - System.nanoTime();
      Pending next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
      if (next == null) {
        break;
      }
      if (!next.key().equals(first.key()) || rows + next.rows() > maxRows) {
        carried.add(next); // runs in a later batch, first in line
        break;
      }
      batch.add(next);
      rows += next.rows();
    }
    return batch;
  }

  /** Runs the batch; returns what hands each caller its result (run after the slot is free). */
  private Runnable execute(List<Pending> batch) {
    try {
      if (batch.size() == 1) {
        List<Tensor> outputs = runner.apply(batch.get(0).inputs());
        return () -> batch.get(0).result().complete(outputs);
      }
      batches.incrementAndGet();
      stackedRequests.addAndGet(batch.size());
      List<Tensor> outputs = runner.apply(stack(batch));
      long total = batch.stream().mapToLong(Pending::rows).sum();
      long offset = 0;
      List<List<Tensor>> slices = new ArrayList<>();
      for (Pending p : batch) {
        List<Tensor> mine = new ArrayList<>();
        for (Tensor out : outputs) {
          mine.add(slice(out, total, offset, p.rows()));
        }
        slices.add(mine);
        offset += p.rows();
      }
      return () -> {
        for (int i = 0; i < batch.size(); i++) {
          batch.get(i).result().complete(slices.get(i));
        }
      };
    } catch (RuntimeException | Error e) {
      return () -> {
        for (Pending p : batch) {
          p.result().completeExceptionally(e);
        }
      };
    }
  }

  /** Runs that stacked more than one request. */
  long stackedBatches() {
    return batches.get();
  }

  /** Requests that ran inside a stacked batch. */
  long stackedRequests() {
    return stackedRequests.get();
  }

  /** Concatenates every input along axis 0, in batch order. */
  static List<Tensor> stack(List<Pending> batch) {
    List<Tensor> first = batch.get(0).inputs();
    List<Tensor> stacked = new ArrayList<>();
    for (Tensor template : first) {
      long rows = 0;
      int bytes = 0;
      for (Pending p : batch) {
        Tensor t = find(p.inputs(), template.name());
        rows += t.shape()[0];
        bytes += t.byteSize();
      }
      byte[] data = new byte[bytes];
      int at = 0;
      for (Pending p : batch) {
        byte[] part = find(p.inputs(), template.name()).data();
        System.arraycopy(part, 0, data, at, part.length);
        at += part.length;
      }
      long[] shape = template.shape();
      shape[0] = rows;
      stacked.add(new Tensor(template.name(), template.datatype(), shape, data));
    }
    return stacked;
  }

  static Tensor slice(Tensor out, long totalRows, long offset, long rows) {
    long[] shape = out.shape();
    if (shape.length == 0 || shape[0] != totalRows) {
      throw new IllegalStateException(
          "output "
              + out.name()
              + " has shape "
              + Arrays.toString(shape)
              + ", not "
              + totalRows
              + " rows");
    }
    int rowBytes = (int) (out.byteSize() / totalRows);
    byte[] all = out.data();
    byte[] mine =
        Arrays.copyOfRange(all, (int) (offset * rowBytes), (int) ((offset + rows) * rowBytes));
    shape[0] = rows;
    return new Tensor(out.name(), out.datatype(), shape, mine);
  }

  private static Tensor find(List<Tensor> inputs, String name) {
    for (Tensor t : inputs) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    throw new IllegalStateException("input " + name + " missing from a batched request");
  }

  /** Requests stack when they carry the same inputs with equal types and trailing dimensions. */
  private static String key(List<Tensor> inputs) {
    return inputs.stream()
        .sorted(java.util.Comparator.comparing(Tensor::name))
        .map(
            t ->
                t.name()
                    + ":"
                    + t.datatype()
                    + Arrays.toString(Arrays.copyOfRange(t.shape(), 1, t.shape().length)))
        .reduce("", (a, b) -> a + "|" + b);
  }

  @Override
  public void close() {
    closed = true;
    dispatcher.interrupt();
    runs.shutdown();
    Pending p;
    while ((p = queue.poll()) != null) {
      p.result().completeExceptionally(new IllegalStateException("engine is closed"));
    }
    for (Pending c : carried) {
      c.result().completeExceptionally(new IllegalStateException("engine is closed"));
    }
  }
}
