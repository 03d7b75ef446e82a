package io.verinfer.chain.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP forwarder in front of {@code 127.0.0.1:targetPort}, listening on its own port.
 * {@link #stop()} closes the listener and every live connection, so clients see connection refused
 * until {@link #start()} listens again on the same port: an RPC outage on demand.
 */
public final class TcpProxy implements AutoCloseable {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private final int targetPort;
  private final Set<Socket> live = ConcurrentHashMap.newKeySet();
  private int port; // 0 until the first start picks one
  private ServerSocket listener;

  public TcpProxy(int targetPort) {
    this.targetPort = targetPort;
  }

  /** Listens (again) on this proxy's port, picking a free one the first time. */
  public synchronized TcpProxy start() {
    if (listener != null) {
      return this;
    }
    try {
      ServerSocket server = new ServerSocket();
      server.setReuseAddress(true); // rebind the same port despite TIME_WAIT leftovers
      server.bind(new InetSocketAddress(LOOPBACK, port));
      port = server.getLocalPort();
      listener = server;
      Thread.ofVirtual().name("tcp-proxy-accept-" + port).start(() -> accept(server));
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on 127.0.0.1:" + port, e);
    }
  }

  /** Closes the listener and all live connections. */
  public synchronized void stop() {
    if (listener != null) {
      closeQuietly(listener);
      listener = null;
    }
    live.forEach(TcpProxy::closeQuietly);
    live.clear();
  }

  /** The port clients connect to; stable across stop/start. */
  public synchronized int port() {
    return port;
  }

  @Override
  public void close() {
    stop();
  }

  private void accept(ServerSocket server) {
    while (!server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // stop() closed the listener
      }
      try {
        Socket upstream = new Socket(LOOPBACK, targetPort);
        track(client);
        track(upstream);
        Thread.ofVirtual().start(() -> pump(client, upstream));
        Thread.ofVirtual().start(() -> pump(upstream, client));
      } catch (IOException e) {
        closeQuietly(client);
      }
    }
  }

  private synchronized void track(Socket socket) {
    if (listener == null) {
      closeQuietly(socket); // stopped while this connection was being set up
    } else {
      live.add(socket);
    }
  }

  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[16 * 1024];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // closed by stop() or by the other side: the connection is gone either way
    } finally {
      closeQuietly(from);
      closeQuietly(to);
      live.remove(from);
      live.remove(to);
    }
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      // nothing useful to do: the socket is unusable anyway
    }
  }
}
