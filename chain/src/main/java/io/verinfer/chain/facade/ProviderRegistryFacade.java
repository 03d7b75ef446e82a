package io.verinfer.chain.facade;

import io.verinfer.chain.bindings.ProviderRegistry;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import org.web3j.tx.gas.DefaultGasProvider;

/** ProviderRegistry: stake, unbond, register an endpoint, list served models and prices. */
public final class ProviderRegistryFacade extends ContractFacade {
  /** A provider as the registry records it. */
  public record ProviderInfo(
      Address provider,
      TokenAmount stake,
      TokenAmount unbonding,
      Instant unbondReadyAt,
      boolean registered,
      Bytes32 tlsFingerprint,
      String endpoint,
      List<ModelId> models) {
    /** Everything a slash can take: the active stake and the unbonding bucket. */
    public TokenAmount slashable() {
      return stake.plus(unbonding);
    }
  }

  private final ProviderRegistry binding;

  public ProviderRegistryFacade(TransactionSender sender, Address address) {
    super(sender, address);
    this.binding =
        ProviderRegistry.load(address.value(), sender.web3j(), sender, new DefaultGasProvider());
  }

  public TxResult stake(TokenAmount amount) {
    return tx(binding.stake(units(amount)));
  }

  public TxResult requestUnbond(TokenAmount amount) {
    return tx(binding.requestUnbond(units(amount)));
  }

  public TxResult withdrawUnbonded() {
    return tx(binding.withdrawUnbonded());
  }

  /** Slashes {@code provider}; only an account holding SLASHER_ROLE may. */
  public TxResult slash(Address provider, TokenAmount amount, Address recipient) {
    return tx(binding.slash(provider.value(), units(amount), recipient.value()));
  }

  /** Grants SLASHER_ROLE (admin only): the DisputeManager's role. */
  public TxResult grantSlasher(Address account) {
    byte[] role = call(binding.SLASHER_ROLE());
    return tx(binding.grantRole(role, account.value()));
  }

  public TxResult register(String endpoint, Bytes32 tlsFingerprint) {
    return tx(binding.register(endpoint, tlsFingerprint.bytes()));
  }

  public TxResult updateEndpoint(String endpoint, Bytes32 tlsFingerprint) {
    return tx(binding.updateEndpoint(endpoint, tlsFingerprint.bytes()));
  }

  public TxResult setModel(ModelId model, TokenAmount pricePerCall) {
    return tx(binding.setModel(BigInteger.valueOf(model.value()), units(pricePerCall)));
  }

  public TxResult removeModel(ModelId model) {
    return tx(binding.removeModel(BigInteger.valueOf(model.value())));
  }

  public ProviderInfo provider(Address provider) {
    ProviderRegistry.Provider p = call(binding.getProvider(provider.value()));
    return new ProviderInfo(
        provider,
        TokenAmount.of(p.stake),
        TokenAmount.of(p.unbonding),
        Instant.ofEpochSecond(p.unbondReadyAt.longValueExact()),
        p.registered,
        Bytes32.of(p.tlsFingerprint),
        p.endpoint,
        p.modelIds.stream().map(id -> ModelId.of(id.longValueExact())).toList());
  }

  public TokenAmount stakeOf(Address provider) {
    return TokenAmount.of(call(binding.stakeOf(provider.value())));
  }

  public TokenAmount priceOf(Address provider, ModelId model) {
    return TokenAmount.of(
        call(binding.priceOf(provider.value(), BigInteger.valueOf(model.value()))));
  }

  /**
   * The reputation standing {@link #refreshStandings} last recorded for a listing: {@code recorded}
   * false when never; a provider recorded below the floor is never picked.
   */
  public record Standing(boolean recorded, int score, boolean belowFloor) {}

  public Standing standingOf(Address provider, ModelId model) {
    var t = call(binding.standingOf(provider.value(), BigInteger.valueOf(model.value())));
    return new Standing(t.component1(), t.component2().intValueExact(), t.component3());
  }

  /** Records the providers' current ProviderReputation standing for the model (anyone may). */
  public TxResult refreshStandings(ModelId model, List<Address> providers) {
    return tx(
        binding.refreshStandings(
            BigInteger.valueOf(model.value()), providers.stream().map(Address::value).toList()));
  }

  public List<Address> providersOf(ModelId model) {
    List<?> raw = call(binding.providersOf(BigInteger.valueOf(model.value())));
    return raw.stream().map(a -> Address.of(a.toString())).toList();
  }

  public boolean isEligible(Address provider, ModelId model) {
    return call(binding.isEligible(provider.value(), BigInteger.valueOf(model.value())));
  }

  /** Blocks per stake epoch: disputes draw from the snapshot at the end of the previous one. */
  public long epochBlocks() {
    return call(binding.epochBlocks()).longValueExact();
  }

  public long currentEpoch() {
    return call(binding.currentEpoch()).longValueExact();
  }

  /** Providers of {@code model} with stake weight now (eligible to serve and judge it). */
  public long liveEligible(ModelId model) {
    return call(binding.liveEligible(BigInteger.valueOf(model.value()))).longValueExact();
  }
}
