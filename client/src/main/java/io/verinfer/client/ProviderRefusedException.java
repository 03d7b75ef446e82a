package io.verinfer.client;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.ErrorCode;
import java.util.Arrays;
import java.util.Optional;

/**
 * A provider refused the call with a 4xx answer: a payment problem (for example {@code
 * INSUFFICIENT_DEPOSIT}: deposit more) or a bad request (for example {@code WRONG_SHAPE}: fix the
 * input named by {@link #field()}). A refusal charges nothing: the provider keeps no voucher. The
 * call is not retried elsewhere, since another provider would refuse it for the same reason.
 */
public final class ProviderRefusedException extends InferenceException {
  private static final long serialVersionUID = 1L;

  private final transient Address provider;
  private final int httpStatus;
  private final String code;
  private final String field;
  private final String nodeMessage;

  ProviderRefusedException(
      Address provider, int httpStatus, String code, String field, String nodeMessage) {
    super(
        "provider "
            + provider
            + " refused the call with HTTP "
            + httpStatus
            + " "
            + code
            + (field == null ? "" : " at " + field)
            + ": "
            + nodeMessage);
    this.provider = provider;
    this.httpStatus = httpStatus;
    this.code = code;
    this.field = field;
    this.nodeMessage = nodeMessage;
  }

  /** The provider's own sentence, as it sent it (the gateway relays it unchanged). */
  public String nodeMessage() {
    return nodeMessage;
  }

  /** The provider that refused. */
  public Address provider() {
    return provider;
  }

  /** The HTTP status of the refusal. */
  public int httpStatus() {
    return httpStatus;
  }

  /** The node's machine-readable error code as sent, e.g. {@code INSUFFICIENT_DEPOSIT}. */
  public String code() {
    return code;
  }

  /** The code as an {@link ErrorCode}, when this SDK knows it. */
  public Optional<ErrorCode> errorCode() {
    return Arrays.stream(ErrorCode.values()).filter(c -> c.name().equals(code)).findFirst();
  }

  /** The request field at fault (e.g. {@code X-Verinfer-Voucher}, {@code inputs[0].shape}). */
  public Optional<String> field() {
    return Optional.ofNullable(field);
  }
}
