package io.verinfer.node.payment;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.text.TextOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random interleavings of streams, tokens, checkpoints and vouchers on one text lane, against the
 * real rules and a real SQLite ledger: no token is ever generated beyond the window (W output
 * tokens per running stream beyond what the lane paid, unpaid prompts aside), and a consumer that
 * pays every checkpoint (and each prompt's due) ends with a newest voucher of exactly the sum of
 * the streams' final checkpointed costs.
 */
class TextPaymentPropertyTest {
  static final int W = 4;
  static final int K = 3;

  @Provide
  Arbitrary<List<Integer>> actions() {
    return Arbitraries.integers().between(0, 99).list().ofMinSize(1).ofMaxSize(120);
  }

  @Property(tries = 60)
  void theWindowHoldsAndThePaymentsEqualTheCheckpoints(
      @ForAll("actions") List<Integer> actions, @ForAll boolean paysEveryCheckpoint) {
    Path dir = tempDir();
    try (TextLaneFixture lane = new TextLaneFixture(dir, W, K)) {
      new Run(lane, paysEveryCheckpoint).play(actions);
    } finally {
      delete(dir);
    }
  }

  /** The consumer's side and the bookkeeping the checks need. */
  static final class Run {
    final TextLaneFixture lane;
    final boolean paysEveryCheckpoint;
    final List<Open> open = new ArrayList<>();
    final Map<Long, TokenAmount> costs = new HashMap<>(); // latest checkpointed cost per stream
    long calls;
    long paid;

    Run(TextLaneFixture lane, boolean paysEveryCheckpoint) {
      this.lane = lane;
      this.paysEveryCheckpoint = paysEveryCheckpoint;
    }

    static final class Open {
      final TextPaymentRules.Stream stream;
      final int promptTokens;
      final int maxTokens;
      final List<Integer> tokens = new ArrayList<>();
      boolean started;

      Open(TextPaymentRules.Stream stream, int promptTokens, int maxTokens) {
        this.stream = stream;
        this.promptTokens = promptTokens;
        this.maxTokens = maxTokens;
      }
    }

    void play(List<Integer> actions) {
      for (int a : actions) {
        int kind = a % 4;
        int pick = a / 4;
        switch (kind) {
          case 0 -> open(1 + pick % 12, 1 + pick % 9);
          case 1 -> payDue(pick);
          case 2 -> token(pick);
          default -> finish(pick, false);
        }
      }
      // every stream ends: a paying consumer pays each prompt first
      while (!open.isEmpty()) {
        Open o = open.get(0);
        if (paysEveryCheckpoint && !o.started) {
          payTo(o.stream.due().baseUnits().longValueExact());
          o.started = o.stream.promptPaid();
        }
        finish(0, true);
      }
      if (paysEveryCheckpoint) {
        long sum = costs.values().stream().mapToLong(c -> c.baseUnits().longValueExact()).sum();
        assertThat(lane.paid()).isEqualTo(sum);
      }
    }

    void open(int promptTokens, int maxTokens) {
      if (open.size() >= lane.rules.settings().maxUnpaidPerLane()) {
        return;
      }
      calls++;
      TextPaymentRules.Stream s = lane.open(paid, calls, promptTokens);
      open.add(new Open(s, promptTokens, maxTokens));
    }

    void payDue(int pick) {
      List<Open> waiting = open.stream().filter(o -> !o.started).toList();
      if (waiting.isEmpty()) {
        return;
      }
      Open o = waiting.get(pick % waiting.size());
      payTo(o.stream.due().baseUnits().longValueExact());
      for (Open each : open) {
        each.started = each.stream.promptPaid();
      }
    }

    void token(int pick) {
      List<Open> running = open.stream().filter(o -> o.started).toList();
      if (running.isEmpty()) {
        return;
      }
      Open o = running.get(pick % running.size());
      if (o.tokens.size() >= o.maxTokens || !o.stream.roomForToken()) {
        return;
      }
      o.stream.charge(1);
      o.tokens.add(pick % 50);
      long owed = lane.rules.owed(TextLaneFixture.lane()).baseUnits().longValueExact();
      long outPrice = TextLaneFixture.PRICE.output().baseUnits().longValueExact();
      long inPrice = TextLaneFixture.PRICE.input().baseUnits().longValueExact();
      long unpaidPrompts =
          open.stream().filter(x -> !x.started).mapToLong(x -> x.promptTokens * inPrice).sum();
      assertThat(owed - lane.paid())
          .as("beyond the paid amount after a token")
          .isLessThanOrEqualTo(W * outPrice * running.size() + unpaidPrompts);
      if (o.tokens.size() % K == 0) {
        checkpoint(o, TextOutput.End.RUNNING);
      }
    }

    void finish(int pick, boolean all) {
      if (open.isEmpty()) {
        return;
      }
      Open o = open.get(pick % open.size());
      SignedReceipt last = null;
      if (o.started) {
        last = checkpoint(o, TextOutput.End.CANCELLED);
      }
      o.stream.end(last);
      open.remove(o);
    }

    SignedReceipt checkpoint(Open o, TextOutput.End end) {
      int[] ids = o.tokens.stream().mapToInt(Integer::intValue).toArray();
      SignedReceipt r = o.stream.checkpoint(new TextOutput(end, ids));
      assertThat(r.receipt().cumulativeAmount())
          .isEqualTo(TextLaneFixture.PRICE.cost(o.promptTokens, ids.length));
      assertThat(r.receipt().cumulativeCalls()).isEqualTo(o.stream.call());
      costs.put(o.stream.call(), r.receipt().cumulativeAmount());
      if (paysEveryCheckpoint) {
        payTo(costs.values().stream().mapToLong(c -> c.baseUnits().longValueExact()).sum());
      }
      return r;
    }

    void payTo(long amount) {
      if (amount > paid) {
        lane.pay(amount, calls);
        paid = amount;
      }
    }
  }

  static Path tempDir() {
    try {
      return Files.createTempDirectory("text-lane");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
