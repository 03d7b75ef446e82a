package io.verinfer.chain.testing;

import io.verinfer.chain.devnet.DevnetSupervisor;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.http.HttpService;

/**
 * One real devnet (Hardhat Network + every contract deployed) per test JVM, started on first use
 * and stopped when the JVM exits. Tests isolate themselves with {@link #snapshot()} / {@link
 * #revert(String)} and move time with {@link #increaseTime(long)}.
 */
public final class SharedDevnet {
  private static final Logger LOG = LoggerFactory.getLogger(SharedDevnet.class);
  private static DevnetSupervisor devnet;
  private static Web3j web3j;
  private static HttpService service;

  private SharedDevnet() {}

  public static synchronized DevnetSupervisor get() {
    if (devnet == null) {
      devnet = DevnetSupervisor.start(DevnetSupervisor.Options.defaults(), LOG::info);
      service = new HttpService(devnet.deployment().rpcUrl().toString());
      web3j = Web3j.build(service);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> devnet.close(), "devnet-stop"));
    }
    return devnet;
  }

  public static synchronized Web3j web3j() {
    get();
    return web3j;
  }

  /** A JSON-RPC string result (hex). */
  public static final class StringResponse extends Response<String> {}

  /** Generic result (hardhat returns booleans or strings for its evm_* methods). */
  public static final class AnyResponse extends Response<Object> {}

  /** Turns Hardhat's mining of each transaction on arrival on or off. */
  public static void automine(boolean on) {
    get().automine(on);
  }

  /** Any JSON-RPC method on the shared devnet (e.g. {@code debug_traceTransaction}); its result. */
  public static Object rpc(String method, List<?> params) {
    return raw(method, params);
  }

  private static Object raw(String method, List<?> params) {
    get();
    try {
      AnyResponse r = new Request<>(method, params, service, AnyResponse.class).send();
      if (r.hasError()) {
        throw new IllegalStateException(method + ": " + r.getError().getMessage());
      }
      return r.getResult();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(method + " failed", e);
    }
  }

  /** Snapshots the whole chain state; returns the id for {@link #revert(String)}. */
  public static String snapshot() {
    return raw("evm_snapshot", List.of()).toString();
  }

  public static void revert(String snapshotId) {
    Object ok = raw("evm_revert", List.of(snapshotId));
    if (!Boolean.TRUE.equals(ok)) {
      throw new IllegalStateException("evm_revert(" + snapshotId + ") returned " + ok);
    }
  }

  /** Moves the chain clock forward and mines a block so the next transaction sees it. */
  public static void increaseTime(long seconds) {
    raw("evm_increaseTime", List.of(seconds));
    raw("evm_mine", List.of());
  }

  /** The latest block's number. */
  public static long blockNumber() {
    try {
      return web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
    } catch (java.io.IOException e) {
      throw new IllegalStateException("eth_blockNumber failed", e);
    }
  }

  /** Mines {@code blocks} empty blocks at once ({@code hardhat_mine}). */
  public static void mine(long blocks) {
    raw("hardhat_mine", List.of("0x" + Long.toHexString(blocks)));
  }

  /** Mines one empty block. */
  public static void mine() {
    raw("evm_mine", List.of());
  }

  public static long latestTimestamp() {
    try {
      return web3j()
          .ethGetBlockByNumber(org.web3j.protocol.core.DefaultBlockParameterName.LATEST, false)
          .send()
          .getBlock()
          .getTimestamp()
          .longValueExact();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
