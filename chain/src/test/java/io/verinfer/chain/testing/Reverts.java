package io.verinfer.chain.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.chain.ContractRevertException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Asserting on the custom error a contract call reverts with. */
public final class Reverts {
  private Reverts() {}

  /** {@code call} reverts with the custom error named {@code error}. */
  public static void assertReverts(ThrowingCallable call, String error) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            ContractRevertException.class, e -> assertThat(e.errorName()).isEqualTo(error));
  }
}
