package io.verinfer.node;

import io.verinfer.node.tls.TlsIdentity;
import io.verinfer.protocol.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The public server's one Jetty connector: HTTPS with the node's key (or HTTP), header limit. */
final class PublicConnector {
  private static final Logger LOG = LoggerFactory.getLogger(PublicConnector.class);

  private PublicConnector() {}

  static ServerConnector create(
      Server server, HttpConfiguration http, NodeServer.Options options, TlsIdentity identity) {
    http.setRequestHeaderSize(options.limits().maxHeaderBytes());
    http.setSendServerVersion(false);
    ServerConnector connector;
    if (identity == null) {
      connector = new ServerConnector(server, new HttpConnectionFactory(http));
    } else {
      SslContextFactory.Server tls = new SslContextFactory.Server();
      try {
        tls.setKeyStore(identity.keyStore());
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("cannot load the node's TLS key", e);
      }
      tls.setKeyStorePassword(identity.keyStorePassword());
      tls.setSniRequired(false);
      HttpConfiguration https = new HttpConfiguration(http);
      SecureRequestCustomizer secure = new SecureRequestCustomizer();
      // clients reach the node by IP or any name; they pin its key, not a host name
      secure.setSniHostCheck(false);
      https.addCustomizer(secure);
      connector = new ServerConnector(server, tls, new HttpConnectionFactory(https));
    }
    connector.setHost(options.host());
    connector.setPort(options.port());
    return connector;
  }

  /**
   * Errors Jetty answers before any endpoint runs (headers too large, malformed request lines) in
   * the same JSON shape as {@link io.verinfer.node.api.ApiError}.
   */
  static final class JsonBadMessages extends ErrorHandler {
    private final NodeServer.Limits limits;

    JsonBadMessages(NodeServer.Limits limits) {
      this.limits = limits;
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
      ErrorCode code;
      String field;
      String message;
      if (status == HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE_431) {
        code = ErrorCode.HEADERS_TOO_LARGE;
        field = "headers";
        message = "the request line and headers exceed " + limits.maxHeaderBytes() + " bytes";
      } else if (status == HttpStatus.PAYLOAD_TOO_LARGE_413) {
        code = ErrorCode.INPUT_TOO_LARGE;
        field = "body";
        message = "the request is too large";
      } else {
        code = ErrorCode.MALFORMED_REQUEST;
        field = "request";
        message = "malformed HTTP request: " + (reason == null ? "HTTP " + status : reason);
      }
      LOG.info("refused a request before routing: HTTP {} {} ({})", status, code, reason);
      fields.put(new HttpField(HttpHeader.CONTENT_TYPE, "application/json"));
      String json =
          "{\"error\":{\"code\":\""
              + code.name()
              + "\",\"field\":\""
              + field
              + "\",\"message\":\""
              + message.replace("\\", "\\\\").replace("\"", "\\\"")
              + "\",\"type\":\"invalid_request_error\",\"param\":\""
              + field
              + "\"}}";
      return ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8));
    }
  }
}
