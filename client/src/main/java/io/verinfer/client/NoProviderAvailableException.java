package io.verinfer.client;

import io.verinfer.protocol.ModelId;
import java.util.List;
import java.util.stream.Collectors;

/**
 * No provider served the call: none is eligible for the model (or allowed by the routing), or every
 * attempted provider failed. {@link #failures()} says what happened at each; each failure is also
 * attached as a suppressed exception.
 */
public final class NoProviderAvailableException extends InferenceException {
  private static final long serialVersionUID = 1L;

  private final transient ModelId model;
  private final transient List<ProviderUnavailableException> failures;

  NoProviderAvailableException(
      ModelId model, String why, List<ProviderUnavailableException> failures) {
    super(
        "no provider served model "
            + model
            + ": "
            + why
            + failures.stream()
                .map(Throwable::getMessage)
                .collect(
                    Collectors.joining(
                        "; ", failures.isEmpty() ? "" : " (", failures.isEmpty() ? "" : ")")));
    this.model = model;
    this.failures = List.copyOf(failures);
    failures.forEach(this::addSuppressed);
  }

  /** The model asked for. */
  public ModelId model() {
    return model;
  }

  /** What went wrong at each attempted provider, in the order tried. */
  public List<ProviderUnavailableException> failures() {
    return failures;
  }
}
