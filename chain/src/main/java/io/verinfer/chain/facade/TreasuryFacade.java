package io.verinfer.chain.facade;

import io.verinfer.chain.bindings.VerinferTreasury;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * VerinferTreasury: protocol fees, slashed remainders and forfeited bonds. Anyone may collect what
 * the protocol's contracts owe it; only governance (its owner, the timelock) pays out.
 */
public final class TreasuryFacade extends ContractFacade {
  private final VerinferTreasury binding;

  public TreasuryFacade(TransactionSender sender, Address address) {
    super(sender, address);
    this.binding =
        VerinferTreasury.load(address.value(), sender.web3j(), sender, new DefaultGasProvider());
  }

  /** Moves the treasury's earnings at PaymentChannels or InferenceCoordinator into it. */
  public TxResult collectEarnings(Address source) {
    return tx(binding.collectEarnings(source.value()));
  }

  /** Moves what DisputeManager owes the treasury into it. */
  public TxResult collectOwed(Address source) {
    return tx(binding.collectOwed(source.value()));
  }

  /** Pays from the treasury (its owner only: a proposal). */
  public TxResult pay(Address to, TokenAmount amount, String memo) {
    return tx(binding.pay(to.value(), units(amount), memo));
  }

  public Address owner() {
    return Address.of(call(binding.owner()));
  }
}
