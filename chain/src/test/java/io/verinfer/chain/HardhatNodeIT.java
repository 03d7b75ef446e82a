package io.verinfer.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.devnet.HardhatNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.http.HttpService;

/** The devnet supervisor against a real Hardhat Network process. */
class HardhatNodeIT {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final String ACCOUNT_0 = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";

  @Test
  void servesTheDevnetChainWithTwentyFundedAccountsAndLeavesNothingBehind() throws Exception {
    long pid;
    int port;
    try (HardhatNode node = HardhatNode.start(HardhatNode.contractsDir(), START_TIMEOUT)) {
      pid = node.pid();
      port = node.rpcUrl().getPort();
      assertThat(node.rpcUrl().getHost()).isEqualTo("127.0.0.1");
      assertThat(node.chainId()).isEqualTo(31337L);
      Web3j web3j = Web3j.build(new HttpService(node.rpcUrl().toString()));
      try {
        assertThat(web3j.ethChainId().send().getChainId()).isEqualTo(BigInteger.valueOf(31337));
        List<String> accounts = web3j.ethAccounts().send().getAccounts();
        assertThat(accounts).hasSize(20).contains(ACCOUNT_0);
        for (String account : accounts) {
          BigInteger balance =
              web3j.ethGetBalance(account, DefaultBlockParameterName.LATEST).send().getBalance();
          assertThat(balance).as("balance of %s", account).isPositive();
        }
      } finally {
        web3j.shutdown();
      }
    }
    assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
    // Only this node's command line: other devnets may legitimately run on the machine.
    assertThat(devnetProcesses(port)).isEmpty();
  }

  @Test
  void nodeExitsWhenItsParentJvmIsKilled() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder builder =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "-Dverinfer.contracts.dir=" + HardhatNode.contractsDir(),
                ChildJvm.class.getName())
            .redirectError(ProcessBuilder.Redirect.INHERIT);
    Process jvm = builder.start();
    long nodePid = -1;
    try {
      String line;
      try (BufferedReader out =
          new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
        line = out.readLine();
      }
      assertThat(line).as("child JVM's first line").isNotNull().startsWith("NODE_PID ");
      nodePid = Long.parseLong(line.substring("NODE_PID ".length()).trim());
      assertThat(ProcessHandle.of(nodePid).map(ProcessHandle::isAlive)).contains(true);

      jvm.destroyForcibly(); // SIGKILL: no shutdown hook runs in the child
      assertThat(jvm.waitFor(10, TimeUnit.SECONDS)).isTrue();

      assertThat(awaitGone(nodePid, Duration.ofSeconds(10)))
          .as("node pid %d exits within 10 s of its parent's SIGKILL", nodePid)
          .isTrue();
    } finally {
      jvm.destroyForcibly();
      if (nodePid > 0) {
        ProcessHandle.of(nodePid).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  private static boolean awaitGone(long pid, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isEmpty()) {
        return true;
      }
      Thread.sleep(100);
    }
    return false;
  }

  private static List<ProcessHandle> devnetProcesses(int port) {
    String marker = "scripts/devnet.js " + port;
    return ProcessHandle.allProcesses()
        .filter(ProcessHandle::isAlive)
        .filter(
            p -> {
              Optional<String> commandLine = p.info().commandLine();
              return commandLine.isPresent() && commandLine.get().contains(marker);
            })
        .toList();
  }

  /** Runs in a separate JVM: starts a node, prints its pid, then waits to be killed. */
  public static final class ChildJvm {
    private ChildJvm() {}

    public static void main(String[] args) throws InterruptedException {
      HardhatNode node = HardhatNode.start(HardhatNode.contractsDir(), START_TIMEOUT);
      System.out.println("NODE_PID " + node.pid());
      System.out.flush();
      Thread.sleep(Duration.ofMinutes(2)); // bounded: the test kills us long before this
      node.close();
    }
  }
}
