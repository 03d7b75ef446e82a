package io.verinfer.chain.tx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.chain.ContractErrors;
import io.verinfer.chain.ContractRevertException;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthEstimateGas;
import org.web3j.protocol.core.methods.response.EthGetCode;
import org.web3j.protocol.core.methods.response.EthGetTransactionCount;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.exceptions.TransactionException;
import org.web3j.tx.TransactionManager;
import org.web3j.utils.Numeric;

/**
 * Signs and sends EIP-1559 transactions for one account: local nonce management (resynchronised
 * from the node when it disagrees), gas estimation that surfaces a revert as a {@link
 * ContractRevertException} before anything is sent, idempotent retries of the same signed bytes on
 * transient RPC errors, and receipt polling. Also serves web3j's generated bindings as their {@link
 * TransactionManager}, so their view calls get the same retries and revert decoding.
 */
public final class TransactionSender extends TransactionManager {
  private static final Logger LOG = LoggerFactory.getLogger(TransactionSender.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final BigInteger DEFAULT_TIP = BigInteger.valueOf(1_000_000_000L);
  private static final int MAX_NONCE_RESYNCS = 3;

  private final Web3j web3j;
  private final Credentials credentials;
  private final long chainId;
  private final RetryPolicy retry;
  private final ReceiptPoller poller;
  private final ContractErrors errors = ContractErrors.bundled();
  private final ReentrantLock sendLock = new ReentrantLock();
  private BigInteger nextNonce;

  public TransactionSender(Web3j web3j, Credentials credentials, long chainId, RetryPolicy retry) {
    this(web3j, credentials, chainId, retry, new ReceiptPoller(web3j, Duration.ofMinutes(3)));
  }

  private TransactionSender(
      Web3j web3j, Credentials credentials, long chainId, RetryPolicy retry, ReceiptPoller poller) {
    super(poller, credentials.getAddress());
    this.web3j = web3j;
    this.credentials = credentials;
    this.chainId = chainId;
    this.retry = retry;
    this.poller = poller;
  }

  public Web3j web3j() {
    return web3j;
  }

  public long chainId() {
    return chainId;
  }

  /**
   * Sends a call to {@code to} with ABI-encoded {@code data} and waits for a successful receipt.
   */
  public TxResult send(String to, String data) {
    return send(to, data, BigInteger.ZERO);
  }

  public TxResult send(String to, String data, BigInteger value) {
    String hash = submit(to, data, value).getTransactionHash();
    TransactionReceipt receipt;
    try {
      receipt = poller.waitForTransactionReceipt(hash);
    } catch (IOException | TransactionException e) {
      throw new ChainException("waiting for receipt of " + hash + " failed", e);
    }
    if (!receipt.isStatusOK()) {
      throw explainFailure(to, data, value, receipt);
    }
    return TxResult.of(receipt);
  }

  @Override
  public EthSendTransaction sendTransaction(
      BigInteger gasPrice,
      BigInteger gasLimit,
      String to,
      String data,
      BigInteger value,
      boolean constructor) {
    return submit(to, data, value);
  }

  @Override
  public EthSendTransaction sendEIP1559Transaction(
      long chainId,
      BigInteger maxPriorityFeePerGas,
      BigInteger maxFeePerGas,
      BigInteger gasLimit,
      String to,
      String data,
      BigInteger value,
      boolean constructor) {
    return submit(to, data, value);
  }

  @Override
  public String sendCall(String to, String data, DefaultBlockParameter block) {
    Transaction call = Transaction.createEthCallTransaction(getFromAddress(), to, data);
    EthCall response = rpc("eth_call", web3j.ethCall(call, block));
    if (response.hasError() || response.isReverted()) {
      throw revertOf(response.getError(), response.getRevertReason());
    }
    return response.getValue();
  }

  @Override
  public EthGetCode getCode(String contractAddress, DefaultBlockParameter block) {
    return rpc("eth_getCode", web3j.ethGetCode(contractAddress, block));
  }

  /**
   * What one transaction may spend on gas (see {@link #submit(String, String, GasOptions,
   * Consumer)}): a gas limit of at least {@code minGasLimit} (the estimate plus the usual headroom
   * when that is more), and the EIP-1559 fee caps as given.
   */
  public record GasOptions(
      BigInteger minGasLimit, BigInteger maxFeePerGas, BigInteger maxPriorityFeePerGas) {
    public GasOptions {
      if (minGasLimit == null || minGasLimit.signum() < 0) {
        throw new IllegalArgumentException("minGasLimit must be >= 0, got " + minGasLimit);
      }
      if (maxFeePerGas == null || maxFeePerGas.signum() <= 0) {
        throw new IllegalArgumentException("maxFeePerGas must be positive, got " + maxFeePerGas);
      }
      if (maxPriorityFeePerGas == null
          || maxPriorityFeePerGas.signum() < 0
          || maxPriorityFeePerGas.compareTo(maxFeePerGas) > 0) {
        throw new IllegalArgumentException(
            "maxPriorityFeePerGas must be 0.." + maxFeePerGas + ", got " + maxPriorityFeePerGas);
      }
    }
  }

  /** A signed transaction about to be broadcast: its hash and the nonce it uses. */
  public record Signed(String hash, BigInteger nonce) {}

  /**
   * Estimates (a revert surfaces as a {@link ContractRevertException} and nothing is sent), signs
   * with {@code gas}, hands the hash and nonce to {@code beforeBroadcast}, and only then
   * broadcasts; returns the hash without waiting for the transaction to be mined. A caller that
   * records the hash durably in {@code beforeBroadcast} always has on record every transaction that
   * reached the chain. If {@code beforeBroadcast} throws, nothing is broadcast. It may be called
   * again with another hash when the node rejects the nonce and the transaction is signed anew.
   */
  public String submit(String to, String data, GasOptions gas, Consumer<Signed> beforeBroadcast) {
    return submit(
            to,
            data,
            BigInteger.ZERO,
            java.util.Objects.requireNonNull(gas, "gas"),
            java.util.Objects.requireNonNull(beforeBroadcast, "beforeBroadcast"))
        .getTransactionHash();
  }

  private EthSendTransaction submit(String to, String data, BigInteger value) {
    return submit(to, data, value, null, signed -> {});
  }

  private EthSendTransaction submit(
      String to, String data, BigInteger value, GasOptions gas, Consumer<Signed> beforeBroadcast) {
    String target = to == null || to.isEmpty() ? null : to;
    BigInteger gasLimit = estimateGas(target, data, value);
    BigInteger tip = DEFAULT_TIP;
    BigInteger maxFee;
    if (gas == null) {
      maxFee = baseFee().shiftLeft(1).add(tip);
    } else {
      gasLimit = gasLimit.max(gas.minGasLimit());
      tip = gas.maxPriorityFeePerGas();
      maxFee = gas.maxFeePerGas();
    }
    sendLock.lock();
    try {
      for (int resync = 0; ; resync++) {
        BigInteger nonce = nonce();
        RawTransaction tx =
            RawTransaction.createTransaction(
                chainId, nonce, gasLimit, target == null ? "" : target, value, data, tip, maxFee);
        String signed =
            Numeric.toHexString(TransactionEncoder.signMessage(tx, chainId, credentials));
        String hash = Hash.sha3(signed);
        beforeBroadcast.accept(new Signed(hash, nonce));
        SendOutcome outcome = sendRaw(signed, hash);
        if (outcome == SendOutcome.ACCEPTED) {
          nextNonce = nonce.add(BigInteger.ONE);
          EthSendTransaction sent = new EthSendTransaction();
          sent.setResult(hash);
          return sent;
        }
        nextNonce = null; // the node disagrees about our nonce: ask it again
        if (resync >= MAX_NONCE_RESYNCS) {
          throw new ChainException("nonce for " + getFromAddress() + " keeps being rejected");
        }
      }
    } finally {
      sendLock.unlock();
    }
  }

  private enum SendOutcome {
    ACCEPTED,
    NONCE_REJECTED
  }

  /** Sends the same signed bytes until the node takes them; resending is idempotent. */
  private SendOutcome sendRaw(String signed, String hash) {
    boolean maybeDelivered = false;
    for (int attempt = 1; ; attempt++) {
      try {
        EthSendTransaction response = web3j.ethSendRawTransaction(signed).send();
        if (!response.hasError()) {
          return SendOutcome.ACCEPTED;
        }
        String message = response.getError().getMessage().toLowerCase(Locale.ROOT);
        if (message.contains("already known") || message.contains("known transaction")) {
          return SendOutcome.ACCEPTED;
        }
        if (message.contains("nonce")) {
          if (maybeDelivered && transactionExists(hash)) {
            return SendOutcome.ACCEPTED;
          }
          LOG.debug("node rejected nonce for {}: {}", hash, message);
          return SendOutcome.NONCE_REJECTED;
        }
        throw revertOrFailure("eth_sendRawTransaction", response.getError());
      } catch (IOException | RuntimeException e) {
        if (!RetryPolicy.isTransient(e) && e instanceof RuntimeException verdict) {
          throw verdict; // a revert or a rejection: retrying cannot change it
        }
        if (attempt >= retry.maxAttempts()) {
          throw new ChainException("sending " + hash + " failed after " + attempt + " tries", e);
        }
        maybeDelivered = true;
        LOG.warn("sending {} failed ({}); retry {} of {}", hash, e, attempt, retry.maxAttempts());
        retry.pause(attempt);
      }
    }
  }

  private boolean transactionExists(String hash) {
    return rpc("eth_getTransactionByHash", web3j.ethGetTransactionByHash(hash))
        .getTransaction()
        .isPresent();
  }

  private BigInteger nonce() {
    if (nextNonce == null) {
      EthGetTransactionCount count =
          rpc(
              "eth_getTransactionCount",
              web3j.ethGetTransactionCount(getFromAddress(), DefaultBlockParameterName.PENDING));
      nextNonce = count.getTransactionCount();
    }
    return nextNonce;
  }

  private BigInteger estimateGas(String to, String data, BigInteger value) {
    Transaction tx =
        to == null
            ? Transaction.createContractTransaction(getFromAddress(), null, null, null, value, data)
            : Transaction.createFunctionCallTransaction(
                getFromAddress(), null, null, null, to, value, data);
    EthEstimateGas estimate = rpc("eth_estimateGas", web3j.ethEstimateGas(tx));
    if (estimate.hasError()) {
      throw revertOrFailure("eth_estimateGas", estimate.getError());
    }
    BigInteger gas = estimate.getAmountUsed();
    return gas.add(gas.shiftRight(2)).add(BigInteger.valueOf(10_000)); // +25% + 10k headroom
  }

  private BigInteger baseFee() {
    EthBlock block =
        rpc(
            "eth_getBlockByNumber",
            web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false));
    BigInteger base = block.getBlock() == null ? null : block.getBlock().getBaseFeePerGas();
    return base == null ? BigInteger.ZERO : base;
  }

  /** Replays a mined, failed transaction as a call to recover its revert reason. */
  private RuntimeException explainFailure(
      String to, String data, BigInteger value, TransactionReceipt receipt) {
    BigInteger before = receipt.getBlockNumber().subtract(BigInteger.ONE);
    Transaction call =
        Transaction.createFunctionCallTransaction(
            getFromAddress(), null, null, null, to, value, data);
    EthCall replay =
        rpc(
            "eth_call",
            web3j.ethCall(call, DefaultBlockParameter.valueOf(before.max(BigInteger.ZERO))));
    if (replay.hasError()) {
      return revertOf(replay.getError(), null);
    }
    return new ChainException(
        "transaction "
            + receipt.getTransactionHash()
            + " failed (status "
            + receipt.getStatus()
            + ") and its replay did not revert");
  }

  private RuntimeException revertOrFailure(String method, Response.Error error) {
    String data = revertData(error);
    if (data != null) {
      return errors.decode(data);
    }
    return new ChainException(method + " failed: " + error.getMessage());
  }

  private ContractRevertException revertOf(Response.Error error, String reason) {
    String data = error == null ? null : revertData(error);
    if (data == null && reason != null && reason.startsWith("0x")) {
      data = reason;
    }
    return errors.decode(data);
  }

  /** Revert data is a hex string in {@code error.data}, or nested as {@code data.data}. */
  public static String revertData(Response.Error error) {
    String raw = error == null ? null : error.getData();
    if (raw == null || raw.isBlank()) {
      return null;
    }
    String text = raw.trim();
    if (text.startsWith("\"")) {
      text = text.substring(1, text.length() - 1);
    }
    if (text.startsWith("0x")) {
      return text;
    }
    try {
      JsonNode node = JSON.readTree(text);
      JsonNode nested = node.path("data");
      return nested.isTextual() && nested.asText().startsWith("0x") ? nested.asText() : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** Runs a read-only request with retries on transient errors. */
  private <T extends Response<?>> T rpc(String method, Request<?, T> request) {
    for (int attempt = 1; ; attempt++) {
      try {
        return request.send();
      } catch (IOException | RuntimeException e) {
        if (!RetryPolicy.isTransient(e) || attempt >= retry.maxAttempts()) {
          throw new ChainException(method + " failed after " + attempt + " tries", e);
        }
        LOG.warn(
            "{} failed ({}); retry {} of {}", method, e.toString(), attempt, retry.maxAttempts());
        retry.pause(attempt);
      }
    }
  }
}
