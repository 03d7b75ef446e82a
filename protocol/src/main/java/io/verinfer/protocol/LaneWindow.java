package io.verinfer.protocol;

/**
 * How a provider admits vouchers that arrive out of order on one lane, so that one consumer can
 * keep many calls in flight to one provider for one model without opening more lanes.
 *
 * <p>The voucher of call {@code #c} on a lane carries {@code cumulativeCalls = c} and a cumulative
 * amount that pays for every call up to {@code #c}. Let {@code #m} be the newest call the provider
 * has answered on the lane and {@code a(m)} the amount of its voucher (0 and 0 on a new lane):
 *
 * <ul>
 *   <li><b>Ahead</b> ({@code c > m}): admitted when {@code c - m <= }{@link #SIZE} and {@code a(c)
 *       - a(m) >= price * (c - m)}: it pays for itself and for every call it skipped. Skipped calls
 *       become <em>gaps</em>: already paid for, served when their own vouchers arrive.
 *   <li><b>Late</b> ({@code c < m}): admitted once, when {@code #c} is a gap within the window
 *       ({@code c > m - SIZE}); the voucher of {@code #m} already pays for it.
 *   <li>Anything else (a call already answered, or older than the window) is {@link
 *       ErrorCode#STALE_VOUCHER stale}.
 * </ul>
 *
 * <p>Only the newest voucher is ever redeemed; it pays for every call the provider answered. A
 * consumer never pays for more than the calls it signed vouchers for, and a voucher whose call got
 * no answer (refused, or the reply lost) can be sent again for another call as long as its number
 * is a gap within the window.
 */
public final class LaneWindow {
  /** How far (in calls) a voucher may run ahead of, or arrive behind, the lane's newest call. */
  public static final int SIZE = 1024;

  private LaneWindow() {}
}
