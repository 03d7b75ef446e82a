package io.verinfer.chain.facade;

import io.verinfer.chain.bindings.VerinferToken;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import org.web3j.tx.gas.DefaultGasProvider;

/** The VerinferToken (ERC-20 + Permit + Votes). */
public final class TokenFacade extends ContractFacade {
  private final VerinferToken binding;

  public TokenFacade(TransactionSender sender, Address address) {
    super(sender, address);
    this.binding =
        VerinferToken.load(address.value(), sender.web3j(), sender, new DefaultGasProvider());
  }

  public TokenAmount balanceOf(Address account) {
    return TokenAmount.of(call(binding.balanceOf(account.value())));
  }

  public TokenAmount totalSupply() {
    return TokenAmount.of(call(binding.totalSupply()));
  }

  public TokenAmount allowance(Address owner, Address spender) {
    return TokenAmount.of(call(binding.allowance(owner.value(), spender.value())));
  }

  public TxResult transfer(Address to, TokenAmount amount) {
    return tx(binding.transfer(to.value(), units(amount)));
  }

  public TxResult approve(Address spender, TokenAmount amount) {
    return tx(binding.approve(spender.value(), units(amount)));
  }
}
