package io.verinfer.node.onchain;

import io.verinfer.chain.bindings.InferenceCoordinator;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.ModelId;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.TypeEncoder;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Hash;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.ReadonlyTransactionManager;
import org.web3j.tx.gas.DefaultGasProvider;
import org.web3j.utils.Numeric;

/**
 * {@code InferenceRequested} / {@code Reassigned} / {@code InferenceProposed} logs written as the
 * contract writes them, for tests that do not run a chain. The one place that builds a ticket field
 * by field (the node never does): when the contract's {@code Ticket} gains fields, only this
 * fixture changes.
 */
final class OnchainEvents {
  static final String COORDINATOR = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
  static final Address ME = Address.of("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
  static final Address REQUESTER = Address.of("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");

  /** What a test varies about one assignment. */
  record Spec(
      long id,
      ModelId model,
      int mode,
      long callbackGas,
      Instant deadline,
      byte[] input,
      boolean reassigned,
      long block) {
    Spec reassignedAt(long atBlock, Instant newDeadline) {
      return new Spec(id, model, mode, callbackGas, newDeadline, input, true, atBlock);
    }

    Spec withMode(int m) {
      return new Spec(id, model, m, callbackGas, deadline, input, reassigned, block);
    }

    Spec withModel(ModelId m) {
      return new Spec(id, m, mode, callbackGas, deadline, input, reassigned, block);
    }

    Spec withInput(byte[] in) {
      return new Spec(id, model, mode, callbackGas, deadline, in, reassigned, block);
    }
  }

  private OnchainEvents() {}

  static Spec spec(long id, ModelId model, Instant deadline, byte[] input) {
    return new Spec(id, model, 0, 100_000, deadline, input, false, 100 + id);
  }

  /**
   * The coordinator's binding, for encoding calls only: its connection points nowhere (no test here
   * sends through it).
   */
  static InferenceCoordinator binding() {
    Web3j nowhere = Web3j.build(new HttpService("http://127.0.0.1:9/"));
    return InferenceCoordinator.load(
        COORDINATOR,
        nowhere,
        new ReadonlyTransactionManager(nowhere, ME.value()),
        new DefaultGasProvider());
  }

  static RequestEvent event(Spec s) {
    return RequestEvent.of(log(s));
  }

  /**
   * The {@code InferenceProposed} of this node's {@code output} for request {@code s}: the ticket
   * carries the output's hash and, as its deadline, {@code s.deadline()} (the window's end).
   */
  static ProposalEvent proposal(Spec s, byte[] output) {
    return ProposalEvent.of(proposalLog(s, output));
  }

  static Log proposalLog(Spec s, byte[] output) {
    InferenceCoordinator.Ticket ticket = ticket(s, Bytes32.keccak256(output).bytes());
    String data = FunctionEncoder.encodeConstructor(List.of(ticket, new DynamicBytes(output)));
    Log log = new Log();
    log.setAddress(COORDINATOR);
    log.setTopics(
        List.of(
            ProposalEvent.TOPIC,
            "0x" + TypeEncoder.encode(new Uint256(s.id())),
            RequestEvent.providerTopic(ME)));
    log.setData("0x" + data);
    log.setTransactionHash(Hash.sha3String("proposal " + s.id() + " at " + s.block()));
    log.setLogIndex(Numeric.toHexStringWithPrefix(BigInteger.ZERO));
    log.setBlockNumber(Numeric.toHexStringWithPrefix(BigInteger.valueOf(s.block())));
    return log;
  }

  private static InferenceCoordinator.Ticket ticket(Spec s, byte[] outputHash) {
    return new InferenceCoordinator.Ticket(
        REQUESTER.value(),
        BigInteger.valueOf(s.model().value()),
        BigInteger.valueOf(s.callbackGas()),
        BigInteger.valueOf(s.mode()),
        BigInteger.valueOf(s.reassigned() ? 2 : 1),
        ME.value(),
        BigInteger.TEN,
        BigInteger.valueOf(50),
        BigInteger.ONE,
        BigInteger.ZERO,
        BigInteger.valueOf(s.deadline().getEpochSecond()),
        Bytes32.keccak256(s.input()).bytes(),
        outputHash);
  }

  static Log log(Spec s) {
    InferenceCoordinator.Ticket ticket = ticket(s, new byte[32]);
    String data = FunctionEncoder.encodeConstructor(List.of(ticket, new DynamicBytes(s.input())));
    Log log = new Log();
    log.setAddress(COORDINATOR);
    log.setTopics(
        List.of(
            s.reassigned() ? RequestEvent.REASSIGNED_TOPIC : RequestEvent.REQUESTED_TOPIC,
            "0x" + TypeEncoder.encode(new Uint256(s.id())),
            RequestEvent.providerTopic(ME)));
    log.setData("0x" + data);
    log.setTransactionHash(Hash.sha3String("request " + s.id() + " at " + s.block()));
    log.setLogIndex(Numeric.toHexStringWithPrefix(BigInteger.ONE));
    log.setBlockNumber(Numeric.toHexStringWithPrefix(BigInteger.valueOf(s.block())));
    return log;
  }
}
