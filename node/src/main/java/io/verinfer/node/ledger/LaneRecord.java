package io.verinfer.node.ledger;

import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.LaneWindow;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.VerinferException;
import io.verinfer.protocol.Voucher;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.LongStream;

/**
 * What a provider knows of one lane: the newest call it answered (and that call's voucher, the one
 * it will redeem), the gaps below it (calls paid for by the newest voucher but not answered yet),
 * and how far the lane has been redeemed on-chain. Immutable; the rules are {@link LaneWindow}'s.
 */
public final class LaneRecord {
  private final Lane lane;
  private final SignedVoucher newest; // null: no call answered yet
  private final long[] gaps; // ascending, each in (calls() - SIZE, calls())
  private final TokenAmount redeemedAmount;
  private final long redeemedCalls;

  LaneRecord(
      Lane lane,
      SignedVoucher newest,
      long[] gaps,
      TokenAmount redeemedAmount,
      long redeemedCalls) {
    this.lane = Objects.requireNonNull(lane, "lane");
    this.newest = newest;
    this.gaps = gaps.clone();
    this.redeemedAmount = Objects.requireNonNull(redeemedAmount, "redeemedAmount");
    this.redeemedCalls = redeemedCalls;
    if (newest != null && !Lane.of(newest.voucher()).equals(lane)) {
      throw new IllegalArgumentException("voucher of lane " + Lane.of(newest.voucher()));
    }
    long m = calls();
    for (int i = 0; i < gaps.length; i++) {
      if (gaps[i] <= m - LaneWindow.SIZE || gaps[i] >= m || gaps[i] < 1) {
        throw new IllegalArgumentException("gap #" + gaps[i] + " outside the window below #" + m);
      }
      if (i > 0 && gaps[i] <= gaps[i - 1]) {
        throw new IllegalArgumentException("gaps must be ascending");
      }
    }
  }

  /** A lane on which nothing was answered or redeemed. */
  public static LaneRecord empty(Lane lane) {
    return new LaneRecord(lane, null, new long[0], TokenAmount.ZERO, 0);
  }

  public Lane lane() {
    return lane;
  }

  /** The voucher of the newest answered call: the one to redeem. */
  public Optional<SignedVoucher> newest() {
    return Optional.ofNullable(newest);
  }

  /** The newest answered call's number ({@code #m}); 0 on a new lane. */
  public long calls() {
    return newest == null ? 0 : newest.voucher().cumulativeCalls();
  }

  /** The newest voucher's cumulative amount; 0 on a new lane. */
  public TokenAmount amount() {
    return newest == null ? TokenAmount.ZERO : newest.voucher().cumulativeAmount();
  }

  /** Calls below the newest that are paid for but not answered yet, ascending. */
  public long[] gaps() {
    return gaps.clone();
  }

  public TokenAmount redeemedAmount() {
    return redeemedAmount;
  }

  public long redeemedCalls() {
    return redeemedCalls;
  }

  /** What the newest voucher holds beyond what was redeemed. */
  public TokenAmount unredeemed() {
    TokenAmount amount = amount();
    return amount.compareTo(redeemedAmount) > 0 ? amount.minus(redeemedAmount) : TokenAmount.ZERO;
  }

  /** Whether call {@code #c} was answered (or is too old to tell, which counts as answered). */
  public boolean answered(long c) {
    return c >= 1 && c <= calls() && Arrays.binarySearch(gaps, c) < 0;
  }

  /**
   * Checks {@code v} against this lane at {@code price} per call and returns what admitting it adds
   * to the lane's value (0 for a late call). Changes nothing.
   *
   * @throws VerinferException {@code VOUCHER_SKIPS_CALLS}, {@code VOUCHER_BELOW_PRICE} or {@code
   *     STALE_VOUCHER}, naming the voucher header
   */
  public TokenAmount admit(Voucher v, TokenAmount price) {
    long c = v.cumulativeCalls();
    long m = calls();
    if (c > m) {
      long ahead = c - m;
      if (ahead > LaneWindow.SIZE) {
        throw refuse(
            ErrorCode.VOUCHER_SKIPS_CALLS,
            "the voucher is for call #"
                + c
                + ", but this lane's newest answered call is #"
                + m
                + ": a voucher may run at most "
                + LaneWindow.SIZE
                + " calls ahead");
      }
      TokenAmount due = price.times(ahead);
      if (v.cumulativeAmount().compareTo(amount().plus(due)) < 0) {
        throw refuse(
            ErrorCode.VOUCHER_BELOW_PRICE,
            "the voucher's cumulative amount "
                + v.cumulativeAmount()
                + " must be at least "
                + amount().plus(due)
                + ": this lane's newest call #"
                + m
                + " holds "
                + amount()
                + ", and "
                + ahead
                + (ahead == 1 ? " call" : " calls")
                + " at "
                + price
                + " base units cost "
                + due);
      }
      return v.cumulativeAmount().minus(amount());
    }
    if (c == 0 || answered(c) || c <= m - LaneWindow.SIZE) {
      throw refuse(
          ErrorCode.STALE_VOUCHER,
          "call #"
              + c
              + " on this lane was already answered (the newest is #"
              + m
              + "); sign the next one");
    }
    return TokenAmount.ZERO;
  }

  /**
   * This lane after answering the call of {@code v}: the newest if it runs ahead (the calls it
   * skipped become gaps), else its gap is filled.
   *
   * @throws VerinferException as {@link #admit} does
   */
  public LaneRecord serve(SignedVoucher v, TokenAmount price) {
    if (!Lane.of(v.voucher()).equals(lane)) {
      throw new IllegalArgumentException("voucher of lane " + Lane.of(v.voucher()));
    }
    admit(v.voucher(), price);
    long c = v.voucher().cumulativeCalls();
    long m = calls();
    if (c > m) {
      long floor = c - LaneWindow.SIZE;
      long[] next =
          LongStream.concat(Arrays.stream(gaps), LongStream.range(m + 1, c))
              .filter(g -> g > floor)
              .toArray();
      return new LaneRecord(lane, v, next, redeemedAmount, redeemedCalls);
    }
    long[] next = Arrays.stream(gaps).filter(g -> g != c).toArray();
    return new LaneRecord(lane, newest, next, redeemedAmount, redeemedCalls);
  }

  /**
   * This lane with {@code v} as its newest voucher under the monotone rule of text lanes: neither
   * the amount nor the calls fall below the newest, and at least one of them rises (exactly what
   * {@code PaymentChannels} redeems). Gaps below the new newest stay as they are (a text lane has
   * none).
   *
   * @throws VerinferException {@code STALE_VOUCHER} naming the voucher header when {@code v} does
   *     not rise above the newest
   */
  public LaneRecord pay(SignedVoucher v) {
    if (!Lane.of(v.voucher()).equals(lane)) {
      throw new IllegalArgumentException("voucher of lane " + Lane.of(v.voucher()));
    }
    TokenAmount a = v.voucher().cumulativeAmount();
    long c = v.voucher().cumulativeCalls();
    int amountOrder = a.compareTo(amount());
    if (amountOrder < 0 || c < calls() || (amountOrder == 0 && c == calls())) {
      throw refuse(
          ErrorCode.STALE_VOUCHER,
          "the voucher (amount "
              + a
              + ", calls "
              + c
              + ") does not rise above this lane's newest (amount "
              + amount()
              + ", calls "
              + calls()
              + "): neither may fall and one must rise");
    }
    long floor = c - LaneWindow.SIZE;
    long[] next = Arrays.stream(gaps).filter(g -> g > floor && g < c).toArray();
    return new LaneRecord(lane, v, next, redeemedAmount, redeemedCalls);
  }

  /** This lane redeemed on-chain up to (amount, calls); never moves backwards. */
  public LaneRecord redeemed(TokenAmount amount, long calls) {
    TokenAmount a = amount.compareTo(redeemedAmount) > 0 ? amount : redeemedAmount;
    return new LaneRecord(lane, newest, gaps, a, Math.max(calls, redeemedCalls));
  }

  /** Whether the newest voucher holds anything not redeemed yet. */
  public boolean pending() {
    return newest != null && (!unredeemed().isZero() || calls() > redeemedCalls);
  }

  private static VerinferException refuse(ErrorCode code, String message) {
    return new VerinferException(code, PaymentHeaders.VOUCHER, message);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LaneRecord s
        && lane.equals(s.lane)
        && Objects.equals(newest, s.newest)
        && Arrays.equals(gaps, s.gaps)
        && redeemedAmount.equals(s.redeemedAmount)
        && redeemedCalls == s.redeemedCalls;
  }

  @Override
  public int hashCode() {
    return Objects.hash(lane, newest, Arrays.hashCode(gaps), redeemedAmount, redeemedCalls);
  }

  @Override
  public String toString() {
    return "LaneRecord["
        + lane
        + ", newest #"
        + calls()
        + " ("
        + amount()
        + "), gaps "
        + Arrays.toString(gaps)
        + ", redeemed #"
        + redeemedCalls
        + " ("
        + redeemedAmount
        + ")]";
  }
}
