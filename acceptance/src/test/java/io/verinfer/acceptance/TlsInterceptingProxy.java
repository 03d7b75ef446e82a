package io.verinfer.acceptance;

import io.verinfer.node.tls.TlsIdentity;
import io.verinfer.protocol.tls.TlsPin;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A man in the middle on 127.0.0.1: it terminates TLS with its own self-signed key (not the
 * provider's), and relays whatever plaintext it gets to the real provider over TLS it does not
 * check, reading (and able to alter) both directions. It counts what it obtained: decrypted bytes
 * from the client, and connections whose handshake the client completed.
 */
final class TlsInterceptingProxy implements AutoCloseable {
  private final URI upstream;
  private final TlsIdentity identity = TlsIdentity.generate();
  private final SSLServerSocket server;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private final AtomicLong plaintextBytes = new AtomicLong();
  private final AtomicInteger handshakes = new AtomicInteger();
  private final AtomicInteger attempts = new AtomicInteger();
  private final SSLContext trustAll;

  TlsInterceptingProxy(String upstreamBaseUrl) {
    this.upstream = URI.create(upstreamBaseUrl);
    try {
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(identity.keyStore(), identity.keyStorePassword().toCharArray());
      SSLContext serverContext = SSLContext.getInstance("TLS");
      serverContext.init(kmf.getKeyManagers(), null, null);
      server =
          (SSLServerSocket)
              serverContext
                  .getServerSocketFactory()
                  .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
      trustAll = SSLContext.getInstance("TLS");
      trustAll.init(null, new TrustManager[] {new TrustAnything()}, null);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot build the proxy's TLS contexts", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on 127.0.0.1", e);
    }
    threads.submit(this::acceptLoop);
  }

  /** The endpoint to put on-chain in place of the provider's. */
  String baseUrl() {
    return "https://127.0.0.1:" + server.getLocalPort();
  }

  /** The key the proxy presents. */
  TlsPin pin() {
    return identity.pin();
  }

  /** Decrypted bytes the proxy received from clients. */
  long plaintextBytes() {
    return plaintextBytes.get();
  }

  /** TLS handshakes clients completed with the proxy's key. */
  int handshakes() {
    return handshakes.get();
  }

  /** TCP connections clients opened to the proxy. */
  int attempts() {
    return attempts.get();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        SSLSocket client = (SSLSocket) server.accept();
        attempts.incrementAndGet();
        threads.submit(() -> intercept(client));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void intercept(SSLSocket client) {
    try (client) {
      client.startHandshake(); // a pinning client aborts here
      handshakes.incrementAndGet();
      try (SSLSocket provider =
          (SSLSocket)
              trustAll.getSocketFactory().createSocket(upstream.getHost(), upstream.getPort())) {
        threads.submit(() -> pump(provider.getInputStream(), client.getOutputStream(), false));
        pump(client.getInputStream(), provider.getOutputStream(), true);
      }
    } catch (IOException e) {
      // the client refused our key, or a side closed
    }
  }

  private Void pump(InputStream in, OutputStream out, boolean fromClient) throws IOException {
    byte[] buffer = new byte[8192];
    for (int n; (n = in.read(buffer)) > 0; ) {
      if (fromClient) {
        plaintextBytes.addAndGet(n);
      }
      out.write(buffer, 0, n);
      out.flush();
    }
    return null;
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // already closed
    }
    threads.shutdownNow();
  }

  private static final class TrustAnything implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
