package io.verinfer.node.onchain;

import io.verinfer.chain.bindings.InferenceCoordinator;
import io.verinfer.chain.bindings.InferenceCoordinator.InferenceFulfilledEventResponse;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.protocol.Address;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.TypeEncoder;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.Transaction;

/**
 * What the devnet recorded, read back for the assertions of the on-chain ITs ({@link
 * OnchainScene}): fulfilment events of a request, every transaction an account sent to the
 * coordinator, nonces; and the devnet's automine switch.
 */
final class ChainRecord {
  private static final String FULFILLED_TOPIC =
      EventEncoder.encode(InferenceCoordinator.INFERENCEFULFILLED_EVENT);

  private final Web3j web3j = SharedDevnet.web3j();
  private final String coordinator;
  private final long fromBlock;

  ChainRecord(Address coordinator, long fromBlock) {
    this.coordinator = coordinator.value();
    this.fromBlock = fromBlock;
  }

  /** Every {@code InferenceFulfilled} of request {@code id}. */
  List<InferenceFulfilledEventResponse> fulfilments(long id) {
    EthFilter filter =
        new EthFilter(
            DefaultBlockParameter.valueOf(BigInteger.valueOf(fromBlock)),
            DefaultBlockParameterName.LATEST,
            coordinator);
    filter.addSingleTopic(FULFILLED_TOPIC);
    filter.addSingleTopic("0x" + TypeEncoder.encode(new Uint256(id)));
    List<InferenceFulfilledEventResponse> out = new ArrayList<>();
    for (EthLog.LogResult<?> r : send(web3j.ethGetLogs(filter)).getLogs()) {
      out.add(InferenceCoordinator.getInferenceFulfilledEventFromLog((Log) r.get()));
    }
    return out;
  }

  /** A mined transaction, whether it succeeded, and the gas it used. */
  record Sent(String hash, long block, boolean succeeded, BigInteger gasUsed) {}

  /** Every mined transaction from {@code account} to the coordinator since block {@code from}. */
  List<Sent> sentToCoordinator(Address account, long from) {
    long head = head();
    List<Sent> out = new ArrayList<>();
    for (long b = from; b <= head; b++) {
      EthBlock.Block block =
          send(web3j.ethGetBlockByNumber(
                  DefaultBlockParameter.valueOf(BigInteger.valueOf(b)), true))
              .getBlock();
      for (EthBlock.TransactionResult<?> result : block.getTransactions()) {
        Transaction tx = (Transaction) result.get();
        if (account.value().equalsIgnoreCase(tx.getFrom())
            && coordinator.equalsIgnoreCase(tx.getTo())) {
          var receipt =
              send(web3j.ethGetTransactionReceipt(tx.getHash()))
                  .getTransactionReceipt()
                  .orElseThrow();
          out.add(new Sent(tx.getHash(), b, receipt.isStatusOK(), receipt.getGasUsed()));
        }
      }
    }
    return out;
  }

  /** When block {@code number} was mined, by the chain's clock (seconds). */
  long blockTime(long number) {
    return send(web3j.ethGetBlockByNumber(
            DefaultBlockParameter.valueOf(BigInteger.valueOf(number)), false))
        .getBlock()
        .getTimestamp()
        .longValueExact();
  }

  long head() {
    return send(web3j.ethBlockNumber()).getBlockNumber().longValueExact();
  }

  /** The nonce {@code account}'s next transaction takes, counting the pool's. */
  long pendingNonce(Address account) {
    return send(web3j.ethGetTransactionCount(account.value(), DefaultBlockParameterName.PENDING))
        .getTransactionCount()
        .longValueExact();
  }

  private static <T extends org.web3j.protocol.core.Response<?>> T send(Request<?, T> request) {
    try {
      T response = request.send();
      if (response.hasError()) {
        throw new IllegalStateException(response.getError().getMessage());
      }
      return response;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
