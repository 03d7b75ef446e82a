package io.verinfer.chain.facade;

import io.verinfer.chain.bindings.AvailabilityOracle;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.Signature;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.oracle.Figures;
import io.verinfer.protocol.oracle.Observation;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * AvailabilityOracle: staked adapters, one quorum-signed report per model and epoch, per-provider
 * medians of uptime, latency and canary pass rate (see the contract's documentation).
 */
public final class AvailabilityOracleFacade extends ContractFacade {
  private final AvailabilityOracle binding;
  private final long chainId;

  /** One adapter's signed vector as {@link #submit} sends it. */
  public record SignedObservation(Address adapter, Observation observation, Signature signature) {}

  /** What the oracle last applied for a provider; {@code epoch} 0 = never reported. */
  public record Status(long epoch, Figures figures) {
    public boolean reported() {
      return epoch > 0;
    }
  }

  /** An adapter's account at the oracle. */
  public record Adapter(
      TokenAmount stake,
      TokenAmount reward,
      long exitReadyAt,
      int strikes,
      boolean active,
      String endpoint) {}

  /** The governed parameters. */
  public record Params(
      TokenAmount minAdapterStake,
      TokenAmount rewardPerReport,
      Duration exitDelay,
      int adapterSlashBps,
      int toleranceBps,
      int latencyToleranceBps,
      int maxDeviantBps,
      int strikeLimit) {}

  public AvailabilityOracleFacade(TransactionSender sender, Address address) {
    super(sender, address);
    this.binding =
        AvailabilityOracle.load(address.value(), sender.web3j(), sender, new DefaultGasProvider());
    this.chainId = sender.chainId();
  }

  /** The domain adapters sign observations in. */
  public Eip712Domain domain() {
    return Observation.domain(chainId, address);
  }

  public TxResult join(TokenAmount stake, String endpoint) {
    return tx(binding.join(units(stake), endpoint));
  }

  public TxResult addStake(TokenAmount amount) {
    return tx(binding.addStake(units(amount)));
  }

  public TxResult requestExit() {
    return tx(binding.requestExit());
  }

  public TxResult withdraw() {
    return tx(binding.withdraw());
  }

  public TxResult claimReward() {
    return tx(binding.claimReward());
  }

  public TxResult fundRewards(TokenAmount amount) {
    return tx(binding.fundRewards(units(amount)));
  }

  /**
   * Submits the report of {@code observations.get(0).observation()}'s model and epoch; the vectors
   * are sent in ascending adapter order whatever order they come in.
   */
  public TxResult submit(List<SignedObservation> observations) {
    if (observations.isEmpty()) {
      throw new IllegalArgumentException("a report needs at least one signed observation");
    }
    Observation first = observations.get(0).observation();
    return submit(first.modelId(), first.epoch(), first.providers(), observations);
  }

  /**
   * Submits a report over {@code providers} as given (the contract checks they are ascending and
   * that every vector was signed over them).
   */
  public TxResult submit(
      long modelId, long epoch, List<Address> providers, List<SignedObservation> observations) {
    return tx(submitCall(modelId, epoch, providers, observations));
  }

  /**
   * The calldata of {@link #submit(List)} (hex): for a transmitter that sizes or relays the report
   * itself.
   */
  public String encodeSubmit(List<SignedObservation> observations) {
    Observation first = observations.get(0).observation();
    return submitCall(first.modelId(), first.epoch(), first.providers(), observations)
        .encodeFunctionCall();
  }

  private org.web3j.protocol.core.RemoteFunctionCall<
          org.web3j.protocol.core.methods.response.TransactionReceipt>
      submitCall(
          long modelId, long epoch, List<Address> providers, List<SignedObservation> observations) {
    List<SignedObservation> sorted =
        observations.stream()
            .sorted(
                (a, b) ->
                    new BigInteger(1, a.adapter().bytes())
                        .compareTo(new BigInteger(1, b.adapter().bytes())))
            .toList();
    List<AvailabilityOracle.Signed> signed =
        sorted.stream()
            .map(
                s ->
                    new AvailabilityOracle.Signed(
                        s.adapter().value(),
                        s.observation().packedValues(),
                        s.signature().toBytes65()))
            .toList();
    return binding.submit(
        BigInteger.valueOf(modelId),
        BigInteger.valueOf(epoch),
        providers.stream().map(Address::value).toList(),
        signed);
  }

  /** Applies one provider's figures of a Merkle-rooted report with its proof. */
  public TxResult applyLeaf(
      long modelId, long epoch, Address provider, Figures figures, List<Bytes32> proof) {
    return tx(
        binding.applyLeaf(
            BigInteger.valueOf(modelId),
            BigInteger.valueOf(epoch),
            provider.value(),
            new BigInteger(Long.toUnsignedString(figures.packed())),
            proof.stream().map(Bytes32::bytes).toList()));
  }

  public Status statusOf(long modelId, Address provider) {
    AvailabilityOracle.Status s =
        call(binding.statusOf(BigInteger.valueOf(modelId), provider.value()));
    return new Status(
        s.epoch.longValueExact(),
        new Figures(
            s.uptimeBps.intValueExact(),
            s.latencyMs.longValueExact(),
            s.canaryBps.intValueExact()));
  }

  public Adapter adapterOf(Address adapter) {
    AvailabilityOracle.Adapter a = call(binding.adapterOf(adapter.value()));
    return new Adapter(
        TokenAmount.of(a.stake),
        TokenAmount.of(a.reward),
        a.exitReadyAt.longValueExact(),
        a.strikes.intValueExact(),
        a.active,
        a.endpoint);
  }

  @SuppressWarnings("unchecked")
  public List<Address> activeAdapters() {
    List<String> list = call(binding.activeAdapters());
    return list.stream().map(Address::of).toList();
  }

  public int quorum() {
    return call(binding.quorum()).intValueExact();
  }

  public long currentEpoch() {
    return call(binding.currentEpoch()).longValueExact();
  }

  public long lastReported(long modelId) {
    return call(binding.lastReported(BigInteger.valueOf(modelId))).longValueExact();
  }

  public Bytes32 reportRoot(long modelId, long epoch) {
    return Bytes32.of(
        call(binding.reportRoot(BigInteger.valueOf(modelId), BigInteger.valueOf(epoch))));
  }

  public Duration epochLength() {
    return Duration.ofSeconds(call(binding.epochSeconds()).longValueExact());
  }

  /** When epoch 0 began (unix seconds). */
  public long genesis() {
    return call(binding.genesis()).longValueExact();
  }

  public TokenAmount rewardPool() {
    return TokenAmount.of(call(binding.rewardPool()));
  }

  /** The contract's digest of an observation (the Java one must equal it). */
  public Bytes32 observationDigest(Observation o) {
    return Bytes32.of(
        call(
            binding.observationDigest(
                BigInteger.valueOf(o.modelId()),
                BigInteger.valueOf(o.epoch()),
                o.providers().stream().map(Address::value).toList(),
                o.packedValues())));
  }

  public Params params() {
    AvailabilityOracle.Params p = call(binding.params());
    return new Params(
        TokenAmount.of(p.minAdapterStake),
        TokenAmount.of(p.rewardPerReport),
        Duration.ofSeconds(p.exitDelay.longValueExact()),
        p.adapterSlashBps.intValueExact(),
        p.toleranceBps.intValueExact(),
        p.latencyToleranceBps.intValueExact(),
        p.maxDeviantBps.intValueExact(),
        p.strikeLimit.intValueExact());
  }
}
