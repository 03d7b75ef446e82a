package io.verinfer.client;

import io.verinfer.client.ProviderHttp.Reply;
import io.verinfer.client.V2Json.NodeError;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.Signer;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one voucher sender of a text lane: streams on the lane tell it what they owe ({@link #owe});
 * it signs the newest values only and posts them to the provider's voucher endpoint, one at a time,
 * so vouchers reach the provider in the order they were signed (amounts never fall) and a burst of
 * checkpoints costs one signature. A refusal is kept and fails every stream that waits on the lane
 * until the next stream opens.
 */
final class LanePayer {
  private static final Logger LOG = LoggerFactory.getLogger(LanePayer.class);
  private static final int SEND_ATTEMPTS = 3;

  private final ClientLane lane;
  private final ClientLanes lanes;
  private final Signer signer;
  private final Eip712Domain domain;
  private final ProviderHttp http;
  private ProviderOffer offer;
  private Voucher pending;
  private boolean sending; // a drain thread runs
  private boolean inFlight; // a voucher POST is on its way
  private Voucher opening; // a stream's opening voucher is on its way
  private Voucher acknowledged;
  private InferenceException failure;
  private int streams;
  // the highest amount paid ahead of the checkpoints (to let a prompt run); vouchers never fall
  private TokenAmount floor = TokenAmount.ZERO;

  LanePayer(
      ClientLane lane, ClientLanes lanes, Signer signer, Eip712Domain domain, ProviderHttp http) {
    this.lane = lane;
    this.lanes = lanes;
    this.signer = signer;
    this.domain = domain;
    this.http = http;
  }

  /**
   * A stream opens on the lane: waits until no voucher of the lane is in flight, then signs its
   * opening voucher — the next call number and every amount owed so far, which the provider takes
   * as the newest — and holds the lane's other vouchers back until {@link #opened} says how the
   * provider took it. Streams of a lane open one at a time.
   */
  synchronized SignedVoucher open(ProviderOffer at) throws InterruptedException {
    while (inFlight || opening != null) {
      wait();
    }
    offer = at;
    streams++;
    failure = null; // a new stream tries again (e.g. after a deposit)
    Voucher v = withFloor(lane.nextCall());
    SignedVoucher signed = SignedVoucher.sign(v, domain, signer);
    if (lane.signed(signed)) {
      lanes.changed(lane);
    }
    opening = v;
    pending = null; // the opening voucher carries every amount owed so far
    return signed;
  }

  /**
   * The provider took the opening voucher ({@code taken}: it answered 200) or did not (its call
   * number is given back and the stream does not count).
   */
  synchronized void opened(boolean taken) {
    Voucher v = opening;
    opening = null;
    if (taken) {
      acknowledge(v);
    } else {
      streams--;
      lane.unreserveCall(v.cumulativeCalls());
      if (acknowledged == null
          || lane.reservedAmount().compareTo(acknowledged.cumulativeAmount()) > 0) {
        pending = withFloor(lane.current()); // what was held back behind the opening
      }
    }
    startSending();
    notifyAll();
  }

  /** Whether {@code v} pays more or counts more calls than {@code held} (none: always). */
  private static boolean above(Voucher v, Voucher held) {
    return held == null
        || v.cumulativeAmount().compareTo(held.cumulativeAmount()) > 0
        || v.cumulativeCalls() > held.cumulativeCalls();
  }

  private void acknowledge(Voucher v) {
    if (above(v, acknowledged)) {
      acknowledged = v;
    }
  }

  private void startSending() {
    if (pending != null && !sending && opening == null) {
      sending = true;
      Thread.ofVirtual().name("lane-payer-" + lane.key()).start(this::drain);
    }
  }

  /** A stream on the lane ended (however it ended). */
  synchronized void closed() {
    streams--;
    notifyAll();
  }

  ClientLane lane() {
    return lane;
  }

  /**
   * Records that a stream with call number {@code call} owes {@code add} more and queues the lane's
   * new voucher; returns its values.
   */
  synchronized Voucher owe(TokenAmount add, long call) {
    Voucher v = withFloor(lane.extend(add, call));
    pending = v;
    startSending();
    notifyAll();
    return v;
  }

  /**
   * Pays a stream's prompt: {@code promptCost} more on the lane, once what the lane owes with it
   * reaches the provider's {@code due}. The provider's {@code due} also counts the tokens other
   * open streams of the lane generated since their last checkpoint; waiting for those checkpoints
   * could wait forever (the provider holds every stream at its window while this prompt is unpaid),
   * so the lane pays {@code due} at once when the difference is within {@link
   * #PREPAID_WINDOW_TOKENS} output tokens per other open stream — tokens the provider has generated
   * or may generate unpaid anyway, and which those streams' checkpoints then cover. A larger
   * difference waits for the other streams up to {@code patience}; alone on the lane it does not
   * wait.
   *
   * @return the voucher values queued, or empty when the lane stays below {@code due} (nothing is
   *     queued then)
   */
  synchronized Optional<Voucher> owePrompt(
      TokenAmount promptCost,
      long call,
      TokenAmount due,
      TokenAmount outputPrice,
      Duration patience)
      throws InterruptedException {
    long deadline = System.nanoTime() + patience.toNanos();
    while (true) {
      TokenAmount with = lane.reservedAmount().plus(promptCost);
      if (with.compareTo(due) >= 0) {
        break;
      }
      TokenAmount allowance = outputPrice.times((long) PREPAID_WINDOW_TOKENS * (streams - 1));
      if (due.minus(with).compareTo(allowance) <= 0) {
        if (due.compareTo(floor) > 0) {
          floor = due;
        }
        break;
      }
      long left = deadline - System.nanoTime();
      if (streams <= 1 || left <= 0) {
        return Optional.empty();
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return Optional.of(owe(promptCost, call));
  }

  /**
   * Output tokens per other open stream the lane may pay ahead of their checkpoints to let a new
   * prompt run: the node's default window.
   */
  static final int PREPAID_WINDOW_TOKENS = 64;

  /** {@code v} raised to the amount already paid ahead of checkpoints, if that is higher. */
  private Voucher withFloor(Voucher v) {
    if (floor.compareTo(v.cumulativeAmount()) <= 0) {
      return v;
    }
    return new Voucher(v.consumer(), v.provider(), v.modelId(), floor, v.cumulativeCalls());
  }

  /** What the lane's vouchers add up to so far. */
  synchronized TokenAmount owed() {
    return lane.reservedAmount();
  }

  /**
   * Waits until the provider acknowledged a voucher of at least {@code v}'s amount.
   *
   * @throws InferenceException the provider refused a voucher of the lane, or did not answer
   */
  synchronized void awaitPaid(Voucher v, Duration patience) throws InterruptedException {
    long deadline = System.nanoTime() + patience.toNanos();
    while (acknowledged == null
        || acknowledged.cumulativeAmount().compareTo(v.cumulativeAmount()) < 0) {
      throwIfFailed();
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new ProviderUnavailableException(
            lane.key().provider(),
            "did not acknowledge the voucher for " + v.cumulativeAmount() + " within " + patience,
            null);
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }

  /** Throws the lane's voucher refusal, if there was one since the last stream opened. */
  synchronized void throwIfFailed() {
    if (failure != null) {
      throw failure;
    }
  }

  private void drain() {
    while (true) {
      Voucher v;
      ProviderOffer to;
      synchronized (this) {
        v = pending;
        to = offer;
        if (v == null || failure != null || opening != null) {
          sending = false; // opened() starts again what an opening held back
          notifyAll();
          return;
        }
        pending = null;
        if (!above(v, acknowledged)) {
          continue; // the provider holds it already (e.g. an opening carried these values)
        }
        inFlight = true;
      }
      SignedVoucher signed = SignedVoucher.sign(v, domain, signer);
      if (lane.signed(signed)) {
        lanes.changed(lane);
      }
      InferenceException refused = send(to, signed);
      synchronized (this) {
        inFlight = false;
        if (refused != null) {
          failure = refused;
        } else {
          acknowledge(v);
        }
        notifyAll();
      }
    }
  }

  /** Posts {@code signed}; returns why it was not taken, or null when it was. */
  private InferenceException send(ProviderOffer to, SignedVoucher signed) {
    IOException last = null;
    for (int attempt = 0; attempt < SEND_ATTEMPTS; attempt++) {
      try {
        Reply reply =
            http.postVoucher(
                to, lane.key().consumer(), lane.key().modelId(), PaymentHeaders.encode(signed));
        if (reply.status() == 200) {
          return null;
        }
        Optional<NodeError> error = V2Json.error(reply.body());
        if (reply.status() >= 500) {
          last = new IOException("HTTP " + reply.status() + " " + reply.body());
          continue;
        }
        LOG.warn(
            "{} refused voucher {} on lane {}: {}",
            to.provider(),
            signed.voucher(),
            lane.key(),
            reply.body());
        return new ProviderRefusedException(
            to.provider(),
            reply.status(),
            error.map(NodeError::code).orElse("HTTP_" + reply.status()),
            error.map(NodeError::field).orElse(PaymentHeaders.VOUCHER),
            error.map(NodeError::message).orElse(reply.body()));
      } catch (IOException e) {
        last = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new InferenceException("interrupted while paying lane " + lane.key(), e);
      }
    }
    return new ProviderUnavailableException(
        to.provider(), "its voucher endpoint did not answer (" + last + ")", last);
  }
}
