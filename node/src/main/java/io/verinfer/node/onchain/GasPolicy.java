package io.verinfer.node.onchain;

import io.verinfer.chain.tx.TransactionSender;
import java.math.BigInteger;
import java.util.Objects;
import java.util.Optional;

/**
 * What the node spends on gas to fulfil an on-chain request.
 *
 * <p>Gas limit: the larger of the node's estimate (plus the sender's usual headroom) and {@code
 * baseOverhead + callbackGasLimit × 64/63 + margin}. The contract refuses a fulfilment that cannot
 * give the callback its full {@code callbackGasLimit}, and the EVM passes on at most 63/64 of what
 * is left to a call, hence the 64/63; a generous limit costs nothing, since only gas used is paid.
 *
 * <p>Price: the node sends only while {@code baseFee + priorityFee <= maxGasPrice} and never offers
 * more than {@code maxGasPrice} per gas; above it the node waits and tries again later (the request
 * may expire meanwhile: that is the point of a cap).
 *
 * @param baseOverhead gas {@code fulfil} uses besides the callback (payment bookkeeping, events,
 *     calldata)
 * @param margin extra gas on top of the formula
 * @param maxGasPrice the most wei per gas the node pays
 * @param priorityFee the tip per gas, in wei
 */
public record GasPolicy(
    long baseOverhead, long margin, BigInteger maxGasPrice, BigInteger priorityFee) {
  /** 1 gwei in wei. */
  public static final BigInteger GWEI = BigInteger.TEN.pow(9);

  public GasPolicy {
    if (baseOverhead < 0) {
      throw new IllegalArgumentException("baseOverhead must be >= 0, got " + baseOverhead);
    }
    if (margin < 0) {
      throw new IllegalArgumentException("margin must be >= 0, got " + margin);
    }
    Objects.requireNonNull(maxGasPrice, "maxGasPrice");
    Objects.requireNonNull(priorityFee, "priorityFee");
    if (maxGasPrice.signum() <= 0) {
      throw new IllegalArgumentException("maxGasPrice must be positive, got " + maxGasPrice);
    }
    if (priorityFee.signum() < 0 || priorityFee.compareTo(maxGasPrice) > 0) {
      throw new IllegalArgumentException(
          "priorityFee must be between 0 and maxGasPrice ("
              + maxGasPrice
              + "), got "
              + priorityFee);
    }
  }

  /** 200,000 gas of overhead, 50,000 of margin, at most 100 gwei per gas, a 1 gwei tip. */
  public static GasPolicy defaults() {
    return new GasPolicy(200_000, 50_000, GWEI.multiply(BigInteger.valueOf(100)), GWEI);
  }

  public GasPolicy withMaxGasPrice(BigInteger wei) {
    return new GasPolicy(baseOverhead, margin, wei, priorityFee.min(wei));
  }

  /** The gas limit below which the node never sends a fulfilment of this request. */
  public BigInteger minGasLimit(long callbackGasLimit) {
    if (callbackGasLimit < 0) {
      throw new IllegalArgumentException("callbackGasLimit must be >= 0, got " + callbackGasLimit);
    }
    BigInteger forCallback =
        BigInteger.valueOf(callbackGasLimit)
            .multiply(BigInteger.valueOf(64))
            .add(BigInteger.valueOf(62))
            .divide(BigInteger.valueOf(63)); // rounded up
    return forCallback.add(BigInteger.valueOf(baseOverhead)).add(BigInteger.valueOf(margin));
  }

  /**
   * The gas of a fulfilment sent now, or empty when {@code baseFee + priorityFee} is above {@link
   * #maxGasPrice()} (wait). The fee cap is twice the base fee plus the tip (room for the base fee
   * to rise for a few blocks), but never above {@code maxGasPrice}.
   */
  public Optional<TransactionSender.GasOptions> options(long callbackGasLimit, BigInteger baseFee) {
    if (baseFee.signum() < 0) {
      throw new IllegalArgumentException("baseFee must be >= 0, got " + baseFee);
    }
    if (baseFee.add(priorityFee).compareTo(maxGasPrice) > 0) {
      return Optional.empty();
    }
    BigInteger maxFee = baseFee.shiftLeft(1).add(priorityFee).min(maxGasPrice);
    return Optional.of(
        new TransactionSender.GasOptions(minGasLimit(callbackGasLimit), maxFee, priorityFee));
  }
}
