package io.verinfer.chain;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A contract call or transaction reverted. Carries the custom error's name and decoded arguments
 * (for example {@code InsufficientDeposit(consumer, needed, available)}), or {@code Error} / {@code
 * Panic} for Solidity's built-in reverts.
 */
public final class ContractRevertException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** One decoded argument of a custom error. */
  public record Argument(String name, String type, Object value) {
    @Override
    public String toString() {
      return (name.isEmpty() ? "" : name + "=") + value;
    }
  }

  private final String contract;
  private final String errorName;
  private final transient List<Argument> arguments;
  private final String revertData;

  public ContractRevertException(
      String contract, String errorName, List<Argument> arguments, String revertData) {
    super(
        contract
            + " reverted with "
            + errorName
            + arguments.stream()
                .map(Argument::toString)
                .collect(Collectors.joining(", ", "(", ")")));
    this.contract = contract;
    this.errorName = errorName;
    this.arguments = List.copyOf(arguments);
    this.revertData = revertData;
  }

  /** The contract whose ABI named the error ("?" when no known ABI declares it). */
  public String contract() {
    return contract;
  }

  /** The custom error's name, e.g. {@code StaleVoucher}. */
  public String errorName() {
    return errorName;
  }

  public List<Argument> arguments() {
    return arguments;
  }

  /** The argument called {@code name}; throws if the error has none by that name. */
  public Object argument(String name) {
    return arguments.stream()
        .filter(a -> a.name().equals(name))
        .findFirst()
        .map(Argument::value)
        .orElseThrow(() -> new IllegalArgumentException(errorName + " has no argument " + name));
  }

  /** The raw revert data (hex), for errors no ABI knows. */
  public String revertData() {
    return revertData;
  }
}
