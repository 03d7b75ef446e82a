package io.verinfer.node.faults;

import java.math.BigDecimal;

/**
 * A provider node setting for demos and tests of verification: corrupt {@code corruptFraction} of
 * the answered calls, chosen by a random draw seeded with {@code seed} (the same seed and the same
 * order of calls corrupt the same calls). A corrupted answer is signed like an honest one, so its
 * receipt is the provider's own proof of fraud: this is only ever allowed on the devnet (see {@link
 * #requireAllowedOn}).
 *
 * @param corruptFraction the share of answered calls to corrupt, in [0, 1]; 0 corrupts none
 * @param seed the seed of the draws
 */
public record FaultInjection(double corruptFraction, long seed) {
  /** The chain id of the devnet (Hardhat Network), the only chain fault injection may run on. */
  public static final long DEVNET_CHAIN_ID = 31_337;

  /** The configuration key of {@link #corruptFraction()}, as errors name it. */
  public static final String FRACTION_KEY = "faults.corruptFraction";

  public FaultInjection {
    if (!(corruptFraction >= 0.0 && corruptFraction <= 1.0)) { // also refuses NaN
      throw new IllegalArgumentException(
          FRACTION_KEY + " must be a number from 0 to 1, was " + corruptFraction);
    }
  }

  /** No fault injection: every answer is honest. */
  public static FaultInjection none() {
    return new FaultInjection(0.0, 0);
  }

  /** Whether any answer may be corrupted. */
  public boolean active() {
    return corruptFraction > 0.0;
  }

  /** {@link #corruptFraction()} as a percentage for people, e.g. "25" or "0.5". */
  public String percent() {
    return new BigDecimal(Double.toString(corruptFraction))
        .movePointRight(2)
        .stripTrailingZeros()
        .toPlainString();
  }

  /**
   * Refuses fault injection on any chain but the devnet.
   *
   * @throws IllegalArgumentException naming {@code faults.corruptFraction} and the chain id when
   *     {@code chainId} is not {@link #DEVNET_CHAIN_ID}
   */
  public static void requireAllowedOn(long chainId) {
    if (chainId != DEVNET_CHAIN_ID) {
      throw new IllegalArgumentException(
          FRACTION_KEY
              + " is only allowed on the devnet (chain id "
              + DEVNET_CHAIN_ID
              + "), not on chain "
              + chainId
              + ": corrupted answers carry signed receipts that prove the provider's fraud");
    }
  }
}
