package io.verinfer.chain.gov;

import io.verinfer.protocol.Address;
import java.math.BigInteger;
import java.util.Objects;

/**
 * One call a proposal makes through the timelock: its target, the ether it sends (always zero for
 * Verinfer's own actions) and its calldata, with what it means in words.
 */
public record GovAction(Address target, BigInteger value, byte[] calldata, String meaning) {
  public GovAction {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(value, "value");
    calldata = calldata.clone();
    Objects.requireNonNull(meaning, "meaning");
  }

  @Override
  public byte[] calldata() {
    return calldata.clone();
  }

  @Override
  public String toString() {
    return meaning;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GovAction a
        && a.target.equals(target)
        && a.value.equals(value)
        && java.util.Arrays.equals(a.calldata, calldata);
  }

  @Override
  public int hashCode() {
    return Objects.hash(target, value, java.util.Arrays.hashCode(calldata));
  }
}
