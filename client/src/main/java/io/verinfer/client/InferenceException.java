package io.verinfer.client;

/** Why {@link VerinferClient#infer} returned no result; the subclasses say what to do about it. */
public class InferenceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  InferenceException(String message) {
    super(message);
  }

  InferenceException(String message, Throwable cause) {
    super(message, cause);
  }
}
