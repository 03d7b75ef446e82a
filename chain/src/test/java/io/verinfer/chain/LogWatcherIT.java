package io.verinfer.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.devnet.HardhatNode;
import io.verinfer.chain.testing.TcpProxy;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;

/** {@link LogWatcher} against a real Hardhat node: confirmations, ordering, and an RPC outage. */
class LogWatcherIT {
  /** Hardhat's well-known account 0 (from the test mnemonic); it holds devnet ether only. */
  private static final Credentials SENDER =
      Credentials.create("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");

  private static final String TOPIC = Hash.sha3String("LogWatcherIT.Ping(bytes)");
  private static final BigInteger GAS_LIMIT = BigInteger.valueOf(100_000);

  private static HardhatNode node;
  private static HttpService service;
  private static Web3j web3j;
  private static long nonce;

  @BeforeAll
  static void startNode() throws IOException {
    assertThat(SENDER.getAddress()).isEqualTo("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
    node = HardhatNode.start(HardhatNode.contractsDir(), Duration.ofSeconds(90));
    service = new HttpService(node.rpcUrl().toString());
    web3j = Web3j.build(service);
    nonce =
        web3j
            .ethGetTransactionCount(SENDER.getAddress(), DefaultBlockParameterName.PENDING)
            .send()
            .getTransactionCount()
            .longValueExact();
  }

  @AfterAll
  static void stopNode() {
    if (web3j != null) {
      web3j.shutdown();
    }
    if (node != null) {
      node.close();
    }
  }

  @Test
  void deliversEachLogOnceInChainOrderAfterConfirmations() throws Exception {
    String contract = deployPinger();
    List<Log> seen = Collections.synchronizedList(new ArrayList<>());
    CursorStore cursor = CursorStore.inMemory();
    LogWatcher.Config config =
        LogWatcher.Config.of(List.of(contract), List.of(List.of(TOPIC)), 2)
            .withStartBlock(head())
            .withMaxRange(3);
    ScheduledExecutorService unused = Executors.newSingleThreadScheduledExecutor();
    try (unused;
        LogWatcher watcher = new LogWatcher(web3j, config, cursor, seen::add, unused)) {
      ping(contract, 0);
      assertThat(watcher.pollOnce()).isZero();
      mine();
      assertThat(watcher.pollOnce()).as("one block deep is not enough").isZero();
      mine();
      assertThat(watcher.pollOnce()).isEqualTo(1);

      // Three logs in one block (automine off), then two single-log blocks.
      devRpc("evm_setAutomine", false);
      ping(contract, 1);
      ping(contract, 2);
      ping(contract, 3);
      mine();
      devRpc("evm_setAutomine", true);
      ping(contract, 4);
      ping(contract, 5);
      assertThat(watcher.pollOnce()).as("only the 3-log block is 2 deep").isEqualTo(3);
      mine();
      mine();
      assertThat(watcher.pollOnce()).isEqualTo(2);
      assertThat(watcher.pollOnce()).as("nothing is delivered twice").isZero();
      assertThat(cursor.load()).hasValue(head() - 1);
    }
    assertThat(sequenceNumbers(seen)).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
    assertThat(seen).allSatisfy(log -> assertThat(log.getTopics()).containsExactly(TOPIC));
    assertThat(seen.subList(1, 4))
        .extracting(log -> log.getLogIndex().intValue())
        .containsExactly(0, 1, 2);
  }

  @Test
  void recoversFromAnRpcOutageWithoutLosingOrRepeatingLogs() throws Exception {
    String contract = deployPinger();
    List<Log> seen = Collections.synchronizedList(new ArrayList<>());
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (TcpProxy proxy = new TcpProxy(node.rpcUrl().getPort()).start()) {
      Web3j proxied = Web3j.build(new HttpService("http://127.0.0.1:" + proxy.port() + "/"));
      LogWatcher.Config config =
          LogWatcher.Config.of(List.of(contract), List.of(List.of(TOPIC)), 1)
              .withStartBlock(head())
              .withMaxRange(2)
              .withTiming(Duration.ofMillis(50), Duration.ofMillis(400));
      try (LogWatcher watcher =
          new LogWatcher(proxied, config, CursorStore.inMemory(), seen::add, scheduler)) {
        watcher.start();
        long sent = 0;
        for (; sent < 10; sent++) {
          ping(contract, sent);
          Thread.sleep(50);
        }
        proxy.stop();
        long failuresBefore = watcher.failedPolls();
        for (; sent < 20; sent++) {
          ping(contract, sent); // straight to the node: the chain moves on during the outage
          Thread.sleep(300);
        }
        assertThat(watcher.failedPolls())
            .as("the outage was noticed")
            .isGreaterThan(failuresBefore);
        proxy.start();
        for (; sent < 30; sent++) {
          ping(contract, sent);
          Thread.sleep(50);
        }
        mine(); // the last log needs one confirmation
        awaitSize(seen, 30, Duration.ofSeconds(30));
        Thread.sleep(500); // would expose a late duplicate
      } finally {
        proxied.shutdown();
      }
    } finally {
      scheduler.shutdownNow();
    }
    assertThat(sequenceNumbers(seen))
        .containsExactlyElementsOf(LongStream.range(0, 30).boxed().toList());
  }

  private static List<Long> sequenceNumbers(List<Log> logs) {
    synchronized (logs) {
      return logs.stream().map(log -> Numeric.toBigInt(log.getData()).longValueExact()).toList();
    }
  }

  private static void awaitSize(List<Log> logs, int size, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (logs.size() < size && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(logs).as("logs delivered within %s", timeout).hasSizeGreaterThanOrEqualTo(size);
  }

  /**
   * Deploys hand-assembled bytecode whose every call emits {@code LOG1(TOPIC)} with the calldata as
   * data.
   */
  private static String deployPinger() throws IOException {
    String runtime =
        "36" // CALLDATASIZE
            + "6000" // PUSH1 0 (source offset)
            + "6000" // PUSH1 0 (memory offset)
            + "37" // CALLDATACOPY
            + "7f"
            + Numeric.cleanHexPrefix(TOPIC) // PUSH32 topic
            + "36" // CALLDATASIZE (size)
            + "6000" // PUSH1 0 (offset)
            + "a1" // LOG1
            + "00"; // STOP
    int runtimeLength = runtime.length() / 2;
    String initTemplate = "60%02x600c600039" + "60%02x6000f3"; // CODECOPY, then RETURN
    String init = String.format(initTemplate, runtimeLength, runtimeLength);
    assertThat(init.length() / 2).as("init code length used by CODECOPY").isEqualTo(0x0c);
    TransactionReceipt receipt = send("", init + runtime, BigInteger.valueOf(200_000));
    assertThat(receipt.isStatusOK()).isTrue();
    return receipt.getContractAddress();
  }

  /** One call to the pinger: emits one log whose data is {@code sequence} as a 32-byte word. */
  private static void ping(String contract, long sequence) throws IOException {
    send(
        contract,
        Numeric.toHexStringNoPrefixZeroPadded(BigInteger.valueOf(sequence), 64),
        GAS_LIMIT);
  }

  private static synchronized TransactionReceipt send(String to, String data, BigInteger gas)
      throws IOException {
    BigInteger gasPrice = web3j.ethGasPrice().send().getGasPrice().multiply(BigInteger.TWO);
    RawTransaction tx =
        RawTransaction.createTransaction(
            BigInteger.valueOf(nonce), gasPrice, gas, to, BigInteger.ZERO, data);
    byte[] signed = TransactionEncoder.signMessage(tx, node.chainId(), SENDER);
    EthSendTransaction sent = rpc(web3j.ethSendRawTransaction(Numeric.toHexString(signed)));
    nonce++;
    // With automine off the receipt only appears at the next evm_mine; callers that need it
    // (deployments) run with automine on.
    return web3j
        .ethGetTransactionReceipt(sent.getTransactionHash())
        .send()
        .getTransactionReceipt()
        .orElse(null);
  }

  private static long head() throws IOException {
    return web3j.ethBlockNumber().send().getBlockNumber().longValueExact();
  }

  private static void mine() throws IOException {
    devRpc("evm_mine");
  }

  /** Hardhat's own methods (evm_*), which web3j has no typed call for. */
  private static void devRpc(String method, Object... params) throws IOException {
    rpc(new Request<>(method, List.of(params), service, AnyResponse.class));
  }

  /** A JSON-RPC answer whose result the test does not look at. */
  public static final class AnyResponse extends Response<Object> {}

  private static <R extends Response<?>> R rpc(Request<?, R> request) throws IOException {
    R response = request.send();
    if (response.hasError()) {
      throw new AssertionError(
          request.getMethod() + " failed: JSON-RPC error " + response.getError().getMessage());
    }
    return response;
  }
}
