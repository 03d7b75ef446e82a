package io.verinfer.node.onchain;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.bindings.InferenceCoordinator;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.node.metrics.NodeMetrics;
import io.verinfer.node.onchain.RequestChain.Head;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the fulfil and settle steps share: each item (an assignment, a proposal) gets one kind of
 * transaction to the coordinator, sent through the node's one transaction sender and followed until
 * it is mined. Gas dearer than {@code maxGasPrice} holds the send back. The signed hash and nonce
 * are on disk before the broadcast, and every later step looks the recorded transaction up on the
 * chain first, so neither a restart nor an RPC outage sends a second one while the first may still
 * be mined: a reverted one is sent again, and a lost one once its nonce was taken or {@code
 * resendAfter} passed, unless the request is no longer pending; at most {@code maxAttempts} times.
 * The subclasses say what becomes of their items.
 *
 * @param <T> the items
 * @param <S> their states
 */
abstract sealed class CoordinatorSteps<T extends CoordinatorSteps.Item, S extends Enum<S>>
    permits FulfilSteps, SettleSteps {
  static final Logger LOG = LoggerFactory.getLogger(RequestWatcher.class);

  /** An assignment or a proposal, as far as its transaction goes. */
  interface Item {
    /** The event that made it. */
    CoordinatorEvent<?> event();

    default String key() {
      return event().key();
    }

    default long requestId() {
      return event().requestId();
    }

    /** The hash of the last transaction signed for it, else null. */
    String tx();

    /** That transaction's nonce, else null. */
    BigInteger txNonce();

    /** When that transaction was signed (wall clock), else null. */
    Instant sentAt();

    /** Transactions signed (and, for a fulfilment, local failures) so far. */
    int attempts();
  }

  /**
   * What both kinds of steps work with.
   *
   * @param chain the chain, as this node's account
   * @param binding the coordinator's binding, for encoding calls
   * @param store where the items are kept
   */
  record Context(
      RequestChain chain,
      InferenceCoordinator binding,
      SqliteRequestStore store,
      OnchainSettings settings,
      Clock clock) {}

  /** The counters of the steps' metrics that the shared steps move. */
  interface Counters {
    /** Transactions signed. */
    NodeMetrics.Counter transactions();

    /** Sends held back because gas cost more than {@code maxGasPrice}. */
    NodeMetrics.Counter gasWaits();
  }

  /** The store's record of a signed transaction ({@link SqliteRequestStore#markSent}). */
  interface MarkSent {
    void mark(SqliteRequestStore store, String key, String hash, BigInteger nonce, Instant at);
  }

  /** The store's move of an item to another state ({@link SqliteRequestStore#advance}). */
  interface Advance<S> {
    void to(SqliteRequestStore store, String key, S state, String note);
  }

  /**
   * One kind of steps: how notes and log lines name its transaction and how its request ends, the
   * states the shared steps move its items to, and the store's writes for them.
   *
   * @param tx the transaction: {@code "settle"}
   * @param again what a retry does: {@code "settling it again"}
   * @param gone why a reverted transaction is not sent again when the request is no longer pending
   * @param unsent how a request that is no longer pending, its transaction never mined, is named
   * @param sendsFrom the state an item sends from (the other open one is {@code SENT})
   * @param ended the state of an item whose request no longer needs this node's transaction
   * @param failed the state of an item given up
   */
  record Kind<S extends Enum<S>>(
      String tx,
      String again,
      String gone,
      String unsent,
      S sendsFrom,
      S ended,
      S failed,
      MarkSent markSent,
      Advance<S> advance) {}

  final RequestChain chain;
  final InferenceCoordinator binding;
  final SqliteRequestStore store;
  final OnchainSettings settings;
  final Clock clock;
  private final Counters counters;
  private final Kind<S> kind;
  private final Set<String> waitingForGas = new HashSet<>(); // watcher thread only

  CoordinatorSteps(Context context, Counters counters, Kind<S> kind) {
    this.chain = context.chain();
    this.binding = context.binding();
    this.store = context.store();
    this.settings = context.settings();
    this.clock = context.clock();
    this.counters = counters;
    this.kind = kind;
  }

  /** The item's transaction was mined and succeeded. */
  abstract void mined(T item);

  /**
   * Moves the item to a state it rests in ({@link Kind#ended()}, {@link Kind#failed()}) with a
   * note; returns false.
   */
  abstract boolean close(T item, S state, String note);

  /** Why the item is not to be sent again after a revert though its request is pending. */
  Optional<String> tooLateToResend(T item) {
    return Optional.empty();
  }

  /**
   * The gas options for a call whose callback may use {@code callbackGasLimit}, at the head's base
   * fee; empty while that costs more than {@code maxGasPrice}: counted as a gas wait, and warned
   * about once until the item sends or closes.
   *
   * @param waiting what the item does meanwhile, for the warning
   */
  final Optional<TransactionSender.GasOptions> gas(
      T item, long callbackGasLimit, Head head, Supplier<String> waiting) {
    Optional<TransactionSender.GasOptions> gas =
        settings.gas().options(callbackGasLimit, head.baseFee());
    if (gas.isPresent()) {
      waitingForGas.remove(item.key());
      return gas;
    }
    counters.gasWaits().inc();
    if (waitingForGas.add(item.key())) {
      LOG.warn(
          "request {}: gas costs {} wei (base fee) + {} (tip), above maxGasPrice {}; {}",
          item.requestId(),
          head.baseFee(),
          settings.gas().priorityFee(),
          settings.gas().maxGasPrice(),
          waiting.get());
    }
    return gas;
  }

  /** Forgets the item's gas wait once it closed. */
  final void forgetGasWait(T item) {
    waitingForGas.remove(item.key());
  }

  /**
   * Sends {@code call} with {@code gas}, its hash and nonce recorded ({@link Kind#markSent()})
   * before the broadcast; returns the hash without waiting for it to be mined.
   *
   * @throws ContractRevertException when the estimate reverts (nothing was broadcast)
   */
  final String send(T item, String call, TransactionSender.GasOptions gas) {
    String hash =
        chain.sendToCoordinator(
            call,
            gas,
            signed ->
                kind.markSent()
                    .mark(store, item.key(), signed.hash(), signed.nonce(), clock.instant()));
    counters.transactions().inc();
    return hash;
  }

  /** Looks the item's recorded transaction up; returns whether the item moved on. */
  final boolean check(T item) {
    String tx = "the " + kind.tx() + " " + item.tx();
    return switch (chain.status(item.tx())) {
      case SUCCEEDED -> {
        mined(item);
        yield false;
      }
      case PENDING -> false; // mined later, or dropped: the next check sees which
      case REVERTED -> reverted(item, tx + " reverted");
      case UNKNOWN -> lost(item, tx + " never reached the chain");
    };
  }

  private boolean reverted(T item, String what) {
    if (!chain.isPending(item.requestId())) {
      return close(item, kind.ended(), what + "; " + kind.gone());
    }
    Optional<String> late = tooLateToResend(item);
    if (late.isPresent()) {
      return close(item, kind.ended(), what + "; " + late.get());
    }
    return retryOrFail(item, what);
  }

  private boolean lost(T item, String what) {
    if (!chain.isPending(item.requestId())) {
      return close(item, kind.ended(), kind.unsent() + ", and " + what);
    }
    // The nonce used by another mined transaction: ours can never be mined. Otherwise it may still
    // show up (e.g. behind a load balancer) until resendAfter has passed.
    boolean nonceTaken = chain.minedNonce().compareTo(item.txNonce()) > 0;
    Instant resendAt = item.sentAt().plus(settings.resendAfter());
    if (!nonceTaken && clock.instant().isBefore(resendAt)) {
      return false;
    }
    return retryOrFail(
        item, what + (nonceTaken ? " (its nonce was used by another transaction)" : ""));
  }

  private boolean retryOrFail(T item, String what) {
    if (item.attempts() >= settings.maxAttempts()) {
      return close(item, kind.failed(), what + "; " + item.attempts() + " attempts made");
    }
    kind.advance().to(store, item.key(), kind.sendsFrom(), what);
    LOG.warn("request {}: {}; {}", item.requestId(), what, kind.again());
    return true;
  }
}
