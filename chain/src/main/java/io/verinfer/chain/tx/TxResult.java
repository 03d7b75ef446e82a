package io.verinfer.chain.tx;

import java.math.BigInteger;
import java.util.List;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/** A mined, successful transaction. */
public record TxResult(
    String hash, long blockNumber, BigInteger gasUsed, TransactionReceipt receipt) {
  public static TxResult of(TransactionReceipt receipt) {
    return new TxResult(
        receipt.getTransactionHash(),
        receipt.getBlockNumber().longValueExact(),
        receipt.getGasUsed(),
        receipt);
  }

  public List<Log> logs() {
    return receipt.getLogs();
  }

  /** The address of a contract this transaction created, if any. */
  public String contractAddress() {
    return receipt.getContractAddress();
  }
}
