package io.verinfer.chain.facade;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.tx.ChainException;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.Address;
import java.math.BigInteger;
import org.web3j.protocol.core.RemoteFunctionCall;

/**
 * Shared plumbing of the typed contract facades: sends go through the {@link TransactionSender}.
 */
abstract class ContractFacade {
  protected final TransactionSender sender;
  protected final Address address;

  ContractFacade(TransactionSender sender, Address address) {
    this.sender = sender;
    this.address = address;
  }

  /** The contract's address. */
  public Address address() {
    return address;
  }

  /** Sends a state-changing call and waits for its successful receipt. */
  protected TxResult tx(RemoteFunctionCall<?> function) {
    return sender.send(address.value(), function.encodeFunctionCall());
  }

  /** Runs a view call; reverts surface as {@link ContractRevertException}. */
  protected static <T> T call(RemoteFunctionCall<T> function) {
    try {
      return function.send();
    } catch (ContractRevertException | ChainException e) {
      throw e;
    } catch (Exception e) {
      throw new ChainException("contract call failed: " + e.getMessage(), e);
    }
  }

  protected static BigInteger units(io.verinfer.protocol.TokenAmount amount) {
    return amount.baseUnits();
  }
}
