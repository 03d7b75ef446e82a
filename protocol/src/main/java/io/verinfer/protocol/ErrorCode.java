package io.verinfer.protocol;

/**
 * Machine-readable error codes every Verinfer API answers with, each with its HTTP status. Never
 * rename a code: clients match on it.
 */
public enum ErrorCode {
  MALFORMED_JSON(400),
  MALFORMED_REQUEST(400),
  EMPTY_INPUT(400),
  INVALID_TEXT(400),
  UNKNOWN_INPUT(400),
  MISSING_INPUT(400),
  WRONG_DATATYPE(400),
  WRONG_SHAPE(400),
  DATA_SIZE_MISMATCH(400),
  INVALID_VALUE(400),
  INVALID_CID(400),
  PAYMENT_REQUIRED(402),
  MALFORMED_VOUCHER(400),
  WRONG_LANE(400),
  VOUCHER_SKIPS_CALLS(400),
  INVALID_VOUCHER_SIGNATURE(403),
  STALE_VOUCHER(409),
  MODEL_TERMS_CHANGED(409),
  VOUCHER_BELOW_PRICE(402),
  INSUFFICIENT_DEPOSIT(402),
  UNSUPPORTED_TASK(400),
  UNKNOWN_MODEL(404),
  CONTEXT_LENGTH_EXCEEDED(400),
  TOO_MANY_STREAMS(429),
  UNKNOWN_CID(404),
  INPUT_TOO_LARGE(413),
  HEADERS_TOO_LARGE(431),
  RATE_LIMITED(429),
  UNSUPPORTED_MEDIA_TYPE(415),
  MODEL_NOT_READY(503),
  CHAIN_UNAVAILABLE(503),
  INTERNAL(500);

  private final int httpStatus;

  ErrorCode(int httpStatus) {
    this.httpStatus = httpStatus;
  }

  public int httpStatus() {
    return httpStatus;
  }
}
