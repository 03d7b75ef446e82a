package io.verinfer.client.gateway;

/** A request the gateway refuses itself: HTTP status, code, field and a sentence. */
final class GatewayError extends RuntimeException {
  private static final long serialVersionUID = 1L;
  final int status;
  final String code;
  final String field;

  GatewayError(int status, String code, String field, String message) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}
