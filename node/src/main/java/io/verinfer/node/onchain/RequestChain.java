package io.verinfer.node.onchain;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.tx.ChainException;
import io.verinfer.chain.tx.TransactionSender;
import java.math.BigInteger;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * What the fulfil and settle steps ask of the chain, as this node's account: the I/O seam between
 * {@link FulfilSteps} / {@link SettleSteps} and JSON-RPC ({@link LiveRequestChain}). Every method
 * either answers or throws a {@link ChainException} (the RPC node failed; try later) or a {@link
 * ContractRevertException}.
 */
interface RequestChain {
  /** Where a transaction is. */
  enum TxStatus {
    /** Mined and succeeded. */
    SUCCEEDED,
    /** Mined and reverted. */
    REVERTED,
    /** Known to the RPC node, not mined yet. */
    PENDING,
    /** Neither mined nor known: never broadcast, or dropped. */
    UNKNOWN
  }

  /** The latest block: its time is the chain's clock, its base fee the price of gas now. */
  record Head(long number, Instant time, BigInteger baseFee) {}

  /** Whether request {@code id} is still open (waiting for its answer or its settlement). */
  boolean isPending(long id);

  /** The dispute opened over request {@code id}'s proposed answer, or 0. */
  long disputeOf(long id);

  /** Whether the DisputeManager's dispute {@code disputeId} is resolved (settle may follow). */
  boolean disputeResolved(long disputeId);

  Head head();

  TxStatus status(String txHash);

  /** How many of this node's transactions are mined (the nonce the next one would take). */
  BigInteger minedNonce();

  /**
   * Sends {@code call} (calldata for the coordinator: a {@code fulfil} or a {@code settle}) with
   * {@code gas} through the node's one transaction sender, handing the signed hash and nonce to
   * {@code beforeBroadcast} first; returns the hash without waiting for it to be mined.
   *
   * @throws ContractRevertException when the estimate reverts (nothing was sent)
   */
  String sendToCoordinator(
      String call,
      TransactionSender.GasOptions gas,
      Consumer<TransactionSender.Signed> beforeBroadcast);
}
