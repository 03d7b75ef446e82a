package io.verinfer.node.onchain;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.facade.DisputeManagerFacade;
import io.verinfer.chain.facade.InferenceCoordinatorFacade;
import io.verinfer.chain.tx.ChainException;
import io.verinfer.chain.tx.RetryPolicy;
import io.verinfer.chain.tx.TransactionSender;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.exceptions.ClientConnectionException;

/**
 * {@link RequestChain} over JSON-RPC. Reads try a few times over about a second and then fail, so
 * an RPC outage never holds the watcher's thread for long (the watcher backs off instead); sends go
 * through the node's one {@link TransactionSender}, which the settler and the committee duty share,
 * so the account's nonces never collide.
 */
final class LiveRequestChain implements RequestChain {
  private static final RetryPolicy READS =
      new RetryPolicy(3, Duration.ofMillis(100), Duration.ofMillis(500));

  private final VerinferChain chain;
  private final VerinferChain retrying;
  private final InferenceCoordinatorFacade reads;
  private final Web3j web3j;

  LiveRequestChain(VerinferChain chain) {
    this.chain = chain;
    this.retrying = chain.withRetry(READS);
    this.reads = retrying.coordinator();
    this.web3j = chain.web3j();
  }

  @Override
  public boolean isPending(long id) {
    return reads.isPending(id);
  }

  @Override
  public long disputeOf(long id) {
    return reads.disputeOf(id);
  }

  @Override
  public boolean disputeResolved(long disputeId) {
    // the facade is made on first use: only a node that saw a challenge reads the DisputeManager
    return retrying.disputes().dispute(disputeId).phase() == DisputeManagerFacade.Phase.RESOLVED;
  }

  @Override
  public Head head() {
    EthBlock.Block block =
        rpc(
                "eth_getBlockByNumber",
                web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false))
            .getBlock();
    if (block == null) {
      throw new ChainException("eth_getBlockByNumber(latest) returned no block");
    }
    BigInteger baseFee = block.getBaseFeePerGas();
    return new Head(
        block.getNumber().longValueExact(),
        Instant.ofEpochSecond(block.getTimestamp().longValueExact()),
        baseFee == null ? BigInteger.ZERO : baseFee);
  }

  @Override
  public TxStatus status(String hash) {
    Optional<TransactionReceipt> receipt =
        rpc("eth_getTransactionReceipt", web3j.ethGetTransactionReceipt(hash))
            .getTransactionReceipt();
    if (receipt.isPresent()) {
      return receipt.get().isStatusOK() ? TxStatus.SUCCEEDED : TxStatus.REVERTED;
    }
    boolean known =
        rpc("eth_getTransactionByHash", web3j.ethGetTransactionByHash(hash))
            .getTransaction()
            .isPresent();
    return known ? TxStatus.PENDING : TxStatus.UNKNOWN;
  }

  @Override
  public BigInteger minedNonce() {
    return rpc(
            "eth_getTransactionCount",
            web3j.ethGetTransactionCount(chain.account().value(), DefaultBlockParameterName.LATEST))
        .getTransactionCount();
  }

  @Override
  public String sendToCoordinator(
      String call,
      TransactionSender.GasOptions gas,
      Consumer<TransactionSender.Signed> beforeBroadcast) {
    return chain.sender().submit(chain.coordinator().address().value(), call, gas, beforeBroadcast);
  }

  private static <T extends Response<?>> T rpc(String method, Request<?, T> request) {
    for (int attempt = 1; ; attempt++) {
      T response;
      try {
        response = request.send();
      } catch (IOException | ClientConnectionException e) {
        if (attempt >= READS.maxAttempts()) {
          throw new ChainException(method + " failed after " + attempt + " tries", e);
        }
        READS.pause(attempt);
        continue;
      }
      if (response.hasError()) {
        throw new ChainException(method + " failed: " + response.getError().getMessage());
      }
      return response;
    }
  }
}
