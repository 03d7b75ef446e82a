package io.verinfer.node.onchain;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.tx.ChainException;
import io.verinfer.chain.tx.TransactionSender;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.web3j.crypto.Hash;

/**
 * An in-memory {@link RequestChain} for the step tests: requests are pending until a test mines the
 * fulfilment that answers them; transactions are pending until mined, or dropped; the RPC can be
 * down; a send can crash between recording the hash and broadcasting it.
 */
final class FakeRequestChain implements RequestChain {
  final Set<Long> pending = new HashSet<>();

  /** Optimistic requests: a mined fulfilment proposes the answer and leaves them pending. */
  final Set<Long> optimistic = new HashSet<>();

  final Map<String, TxStatus> txs = new HashMap<>();

  /** Every transaction broadcast, in order (what a real chain would have seen). */
  final List<String> broadcast = new ArrayList<>();

  /** Every call broadcast, in order. */
  final List<String> calls = new ArrayList<>();

  Instant time = Instant.parse("2030-01-01T00:00:00Z");
  BigInteger baseFee = BigInteger.valueOf(1_000_000_000L);
  BigInteger minedNonce = BigInteger.ZERO;
  BigInteger nextNonce = BigInteger.ZERO;
  boolean down;
  boolean crashBeforeBroadcast;
  ContractRevertException estimateReverts;
  TransactionSender.GasOptions lastGas;

  @Override
  public boolean isPending(long id) {
    rpc();
    return pending.contains(id);
  }

  @Override
  public Head head() {
    rpc();
    return new Head(1_000, time, baseFee);
  }

  @Override
  public TxStatus status(String hash) {
    rpc();
    return txs.getOrDefault(hash, TxStatus.UNKNOWN);
  }

  @Override
  public BigInteger minedNonce() {
    rpc();
    return minedNonce;
  }

  @Override
  public String sendFulfil(
      String call,
      TransactionSender.GasOptions gas,
      Consumer<TransactionSender.Signed> beforeBroadcast) {
    rpc();
    if (estimateReverts != null) {
      throw estimateReverts;
    }
    BigInteger nonce = nextNonce;
    String hash = Hash.sha3String(call + "#" + nonce);
    beforeBroadcast.accept(new TransactionSender.Signed(hash, nonce));
    if (crashBeforeBroadcast) {
      throw new ChainException("the process died before broadcasting " + hash);
    }
    nextNonce = nonce.add(BigInteger.ONE);
    txs.put(hash, TxStatus.PENDING);
    broadcast.add(hash);
    calls.add(call);
    lastGas = gas;
    return hash;
  }

  /**
   * Mines {@code hash}: it answers its request if that is still pending (an optimistic one stays
   * pending, its answer proposed), else it reverts.
   */
  void mine(String hash) {
    String call = calls.get(broadcast.indexOf(hash));
    long id = new BigInteger(call.substring(10, 74), 16).longValueExact(); // fulfil(uint256 id, …)
    boolean answers = optimistic.contains(id) ? pending.contains(id) : pending.remove(id);
    txs.put(hash, answers ? TxStatus.SUCCEEDED : TxStatus.REVERTED);
    minedNonce = minedNonce.add(BigInteger.ONE);
  }

  /** Drops {@code hash} from the pool, as a node that evicted it would. */
  void drop(String hash) {
    txs.remove(hash);
  }

  private void rpc() {
    if (down) {
      throw new ChainException("connection refused");
    }
  }
}
