package io.verinfer.chain.tx;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.methods.response.EthGetTransactionReceipt;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.exceptions.TransactionException;
import org.web3j.tx.response.TransactionReceiptProcessor;

/**
 * Polls for a receipt with a short, growing interval (a devnet mines at once; a public chain takes
 * seconds), riding out RPC errors until {@code timeout}.
 */
public final class ReceiptPoller extends TransactionReceiptProcessor {
  private static final Logger LOG = LoggerFactory.getLogger(ReceiptPoller.class);
  private static final long MIN_INTERVAL_MS = 5;
  private static final long MAX_INTERVAL_MS = 1_000;

  private final Web3j web3j;
  private final Duration timeout;

  public ReceiptPoller(Web3j web3j, Duration timeout) {
    super(web3j);
    this.web3j = web3j;
    this.timeout = timeout;
  }

  @Override
  public TransactionReceipt waitForTransactionReceipt(String hash)
      throws IOException, TransactionException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long interval = MIN_INTERVAL_MS;
    while (true) {
      try {
        Optional<TransactionReceipt> receipt = fetch(hash);
        if (receipt.isPresent()) {
          return receipt.get();
        }
      } catch (IOException | RuntimeException e) {
        if (!RetryPolicy.isTransient(e)) {
          throw e;
        }
        LOG.warn("receipt poll for {} failed ({}); retrying", hash, e.toString());
      }
      if (System.nanoTime() > deadline) {
        throw new TransactionException(
            "no receipt for " + hash + " within " + timeout.toSeconds() + " s", hash);
      }
      try {
        Thread.sleep(interval);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TransactionException("interrupted while waiting for " + hash, hash);
      }
      interval = Math.min(interval * 2, MAX_INTERVAL_MS);
    }
  }

  private Optional<TransactionReceipt> fetch(String hash) throws IOException {
    EthGetTransactionReceipt response = web3j.ethGetTransactionReceipt(hash).send();
    if (response.hasError()) {
      throw new IOException("eth_getTransactionReceipt: " + response.getError().getMessage());
    }
    return response.getTransactionReceipt();
  }
}
