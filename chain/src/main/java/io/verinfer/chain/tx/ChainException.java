package io.verinfer.chain.tx;

/** A chain request failed for a reason other than a contract revert (RPC down, bad nonce, …). */
public class ChainException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ChainException(String message) {
    super(message);
  }

  public ChainException(String message, Throwable cause) {
    super(message, cause);
  }
}
