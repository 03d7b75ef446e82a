package io.verinfer.chain.facade;

import io.verinfer.chain.bindings.UsageCounter;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import org.web3j.tx.gas.DefaultGasProvider;

/** The Counter NFT: one soulbound token per consumer with its settled calls and spend. */
public final class UsageCounterFacade extends ContractFacade {
  /**
   * A consumer's settled usage. {@code calls} is the contract's unsigned 64-bit figure (it
   * saturates at 2^64 − 1, which reads as -1 here: print it with {@link Long#toUnsignedString}).
   */
  public record Usage(long calls, TokenAmount spend) {}

  private final UsageCounter binding;

  public UsageCounterFacade(TransactionSender sender, Address address) {
    super(sender, address);
    this.binding =
        UsageCounter.load(address.value(), sender.web3j(), sender, new DefaultGasProvider());
  }

  public Usage usageOf(Address consumer) {
    var t = call(binding.usageOf(consumer.value()));
    return new Usage(t.component1().longValue(), TokenAmount.of(t.component2()));
  }

  public BigInteger tokenIdOf(Address consumer) {
    return new BigInteger(1, consumer.bytes());
  }

  /** The on-chain metadata URI (a base64 JSON data URI). */
  public String tokenUri(Address consumer) {
    return call(binding.tokenURI(tokenIdOf(consumer)));
  }

  /** How many counters {@code owner} holds (0 or 1). */
  public long balanceOf(Address owner) {
    return call(binding.balanceOf(owner.value())).longValueExact();
  }

  public Address ownerOf(Address consumer) {
    return Address.of(call(binding.ownerOf(tokenIdOf(consumer))));
  }
}
