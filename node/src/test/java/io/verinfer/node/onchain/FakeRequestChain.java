package io.verinfer.node.onchain;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.tx.ChainException;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.protocol.ModelId;
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
 * fulfilment (or, for an optimistic one, the settle) that answers them; disputes are open or
 * resolved as a test says; transactions are pending until mined, or dropped; the RPC can be down; a
 * send can crash between recording the hash and broadcasting it.
 */
final class FakeRequestChain implements RequestChain {
  /** The selector of {@code fulfil}, as the node encodes it. */
  private static final String FULFIL =
      OnchainEvents.event(OnchainEvents.spec(1, ModelId.of(1), Instant.EPOCH, new byte[] {1}))
          .fulfilCall(OnchainEvents.binding(), new byte[0])
          .substring(0, 10);

  final Set<Long> pending = new HashSet<>();

  /** Optimistic requests: a mined fulfilment proposes the answer and leaves them pending. */
  final Set<Long> optimistic = new HashSet<>();

  /** Request id → the dispute over its proposed answer. */
  final Map<Long, Long> disputes = new HashMap<>();

  final Set<Long> resolvedDisputes = new HashSet<>();

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
  public long disputeOf(long id) {
    rpc();
    return disputes.getOrDefault(id, 0L);
  }

  @Override
  public boolean disputeResolved(long disputeId) {
    rpc();
    return resolvedDisputes.contains(disputeId);
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
  public String sendToCoordinator(
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
   * Mines {@code hash}: a fulfil or settle answers its request if that is still pending (an
   * optimistic request's fulfil only proposes: it stays pending until settled), else it reverts.
   */
  void mine(String hash) {
    String call = calls.get(broadcast.indexOf(hash));
    // fulfil(uint256 id, …) and settle(uint256 id, …) alike
    long id = new BigInteger(call.substring(10, 74), 16).longValueExact();
    boolean proposes = optimistic.contains(id) && call.startsWith(FULFIL);
    boolean answers = proposes ? pending.contains(id) : pending.remove(id);
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
