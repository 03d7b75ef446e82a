package io.verinfer.protocol;

import java.util.Objects;

/**
 * A request Verinfer refuses: a code for machines, the offending field, and a sentence for people
 * that names the field and the limit.
 */
public class VerinferException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final String field;

  public VerinferException(ErrorCode code, String field, String message) {
    super(message);
    this.code = Objects.requireNonNull(code, "code");
    this.field = field;
  }

  public VerinferException(ErrorCode code, String field, String message, Throwable cause) {
    super(message, cause);
    this.code = Objects.requireNonNull(code, "code");
    this.field = field;
  }

  public ErrorCode code() {
    return code;
  }

  /** The request field at fault (JSON-path-like, e.g. {@code inputs[0].shape}), or null. */
  public String field() {
    return field;
  }
}
