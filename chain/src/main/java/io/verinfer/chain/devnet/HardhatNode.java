package io.verinfer.chain.devnet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Hardhat Network JSON-RPC node on 127.0.0.1, run as a child {@code node scripts/devnet.js}
 * process. The child's stdin stays an open pipe: the script exits when it reaches EOF, so the node
 * never outlives this JVM, even when the JVM is killed with SIGKILL. {@link #close()} (or the JVM
 * shutdown hook) stops the process and its descendants.
 */
public final class HardhatNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HardhatNode.class);
  private static final String READY_PREFIX = "VERINFER_DEVNET_READY ";
  private static final String BUILD_HINT = "run `bash contracts/scripts/build.sh` first";
  private static final int KEPT_OUTPUT_LINES = 40;
  private static final Duration GRACEFUL_STOP = Duration.ofSeconds(5);

  private final Process process;
  private final URI rpcUrl;
  private final long chainId;
  private final Thread shutdownHook;
  private final AtomicBoolean closed = new AtomicBoolean();

  private HardhatNode(Process process, URI rpcUrl, long chainId, Thread shutdownHook) {
    this.process = process;
    this.rpcUrl = rpcUrl;
    this.chainId = chainId;
    this.shutdownHook = shutdownHook;
  }

  /**
   * Starts a node on a free loopback port and waits until it answers {@code eth_chainId}.
   *
   * @param contractsDir the {@code contracts/} npm project (see {@link #contractsDir()})
   * @param timeout how long to wait for the node to become ready
   * @throws IllegalStateException if Node.js or the npm packages are missing, or the node does not
   *     become ready in time (the message carries the node's last output lines)
   */
  public static HardhatNode start(Path contractsDir, Duration timeout) {
    Path script = contractsDir.resolve("scripts").resolve("devnet.js");
    if (!Files.isRegularFile(script)) {
      throw new IllegalStateException("no devnet script at " + script);
    }
    if (!Files.isDirectory(contractsDir.resolve("node_modules").resolve("hardhat"))) {
      throw new IllegalStateException(
          "Hardhat is not installed in "
              + contractsDir.resolve("node_modules")
              + ": "
              + BUILD_HINT);
    }
    int port = freeLoopbackPort();
    ProcessBuilder builder =
        new ProcessBuilder("node", "scripts/devnet.js", Integer.toString(port))
            .directory(contractsDir.toFile())
            .redirectErrorStream(true);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot run `node` from PATH (install Node.js 18+, then " + BUILD_HINT + ")", e);
    }
    OutputPump pump = new OutputPump(process);
    Thread pumpThread = new Thread(pump, "hardhat-node-" + process.pid() + "-output");
    pumpThread.setDaemon(true);
    pumpThread.start();
    try {
      URI url = awaitReady(process, pump, timeout);
      long chainId = queryChainId(url, timeout);
      Thread hook = new Thread(() -> stop(process), "hardhat-node-" + process.pid() + "-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      LOG.info("Hardhat node pid {} ready at {} (chainId {})", process.pid(), url, chainId);
      return new HardhatNode(process, url, chainId, hook);
    } catch (RuntimeException e) {
      stop(process);
      throw e;
    }
  }

  /**
   * Finds the {@code contracts/} directory: system property {@code verinfer.contracts.dir}, else
   * {@code verinfer.root}/contracts, else the nearest {@code contracts/package.json} walking up
   * from the working directory.
   */
  public static Path contractsDir() {
    String explicit = System.getProperty("verinfer.contracts.dir");
    if (explicit != null && !explicit.isBlank()) {
      return requireContracts(Path.of(explicit), "system property verinfer.contracts.dir");
    }
    String root = System.getProperty("verinfer.root");
    if (root != null && !root.isBlank()) {
      return requireContracts(Path.of(root, "contracts"), "system property verinfer.root");
    }
    Path start = Path.of("").toAbsolutePath().normalize();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("contracts").resolve("package.json"))) {
        return dir.resolve("contracts");
      }
    }
    throw new IllegalStateException(
        "cannot find the contracts directory: set -Dverinfer.contracts.dir=<repo>/contracts or"
            + " -Dverinfer.root=<repo>, or run from inside the repository (no contracts/package.json"
            + " above "
            + start
            + ")");
  }

  private static Path requireContracts(Path dir, String source) {
    Path normalized = dir.toAbsolutePath().normalize();
    if (!Files.isRegularFile(normalized.resolve("package.json"))) {
      throw new IllegalStateException(
          source + " points at " + normalized + ", which has no package.json: not a contracts dir");
    }
    return normalized;
  }

  /** The node's HTTP JSON-RPC endpoint, {@code http://127.0.0.1:<port>/}. */
  public URI rpcUrl() {
    return rpcUrl;
  }

  /** The chain id the node reported ({@code 31337} with the repository's Hardhat config). */
  public long chainId() {
    return chainId;
  }

  /** The operating-system id of the {@code node} process. */
  public long pid() {
    return process.pid();
  }

  /** Whether the node process is still running. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** Stops the node and its descendants: graceful for up to 5 s, then forcibly. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down; the hook is stopping the node as well.
    }
    stop(process);
  }

  private static void stop(Process process) {
    // Collect descendants first: once the parent dies they are re-parented and out of reach.
    List<ProcessHandle> family = process.descendants().toList();
    try {
      process.getOutputStream().close(); // EOF on stdin: devnet.js exits on its own
    } catch (IOException e) {
      LOG.debug("closing the node's stdin failed", e);
    }
    family.forEach(ProcessHandle::destroy);
    process.destroy();
    if (!waitFor(process.toHandle(), GRACEFUL_STOP)) {
      LOG.warn("Hardhat node pid {} ignored SIGTERM; killing it", process.pid());
    }
    family.forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    waitFor(process.toHandle(), GRACEFUL_STOP);
  }

  private static boolean waitFor(ProcessHandle handle, Duration timeout) {
    try {
      handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException | ExecutionException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static URI awaitReady(Process process, OutputPump pump, Duration timeout) {
    try {
      CompletableFuture.anyOf(pump.ready, process.onExit())
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "Hardhat node did not become ready within " + timeout + "; last output:\n" + pump.tail(),
          e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("waiting for the Hardhat node failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the Hardhat node", e);
    }
    if (!pump.ready.isDone()) {
      throw new IllegalStateException(
          "Hardhat node exited with code "
              + process.exitValue()
              + " before it was ready (if packages are missing, "
              + BUILD_HINT
              + "); last output:\n"
              + pump.tail());
    }
    return pump.ready.join();
  }

  private static long queryChainId(URI url, Duration timeout) {
    String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\",\"params\":[]}";
    HttpRequest request =
        HttpRequest.newBuilder(url)
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    // HTTP/1.1 only: the JDK's default h2c upgrade attempt gets a 400 from Node's HTTP server.
    try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "eth_chainId on "
                + url
                + " answered HTTP "
                + response.statusCode()
                + ": "
                + response.body());
      }
      JsonNode result = new ObjectMapper().readTree(response.body()).path("result");
      if (!result.isTextual() || !result.asText().startsWith("0x")) {
        throw new IllegalStateException(
            "unexpected eth_chainId answer from " + url + ": " + response.body());
      }
      return Long.parseLong(result.asText().substring(2), 16);
    } catch (IOException e) {
      throw new UncheckedIOException("eth_chainId on " + url + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while querying " + url, e);
    }
  }

  private static int freeLoopbackPort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
  }

  /** Copies the node's output to the log, remembers the last lines, and spots the READY line. */
  private static final class OutputPump implements Runnable {
    private final Process process;
    private final CompletableFuture<URI> ready = new CompletableFuture<>();
    private final ArrayDeque<String> tail = new ArrayDeque<>();

    OutputPump(Process process) {
      this.process = process;
    }

    @Override
    public void run() {
      Logger log = LoggerFactory.getLogger(HardhatNode.class.getName() + ".output");
      try (BufferedReader reader =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          log.info("[node {}] {}", process.pid(), line);
          remember(line);
          if (line.startsWith(READY_PREFIX) && !ready.isDone()) {
            ready.complete(URI.create(line.substring(READY_PREFIX.length()).trim()));
          }
        }
      } catch (IOException e) {
        log.debug("node output closed", e);
      }
    }

    private synchronized void remember(String line) {
      if (tail.size() == KEPT_OUTPUT_LINES) {
        tail.removeFirst();
      }
      tail.addLast(line);
    }

    synchronized String tail() {
      return tail.isEmpty() ? "(no output)" : String.join("\n", tail);
    }
  }
}
