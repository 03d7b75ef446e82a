package io.verinfer.chain.facade;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.chain.bindings.ProviderReputation;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * {@code ProviderReputation}: a provider's on-chain score per model (performance from the oracle,
 * penalty from slashes, trust from stake and age; the formula is the contract's notice and
 * docs/oracle.md), the coordinator's floor, and the soulbound Provider NFT whose {@code tokenURI}
 * carries those figures.
 */
public final class ProviderReputationFacade extends ContractFacade {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DATA_URI = "data:application/json;base64,";

  private final ProviderReputation binding;

  /** Every input of one score, in basis points where not said otherwise. */
  public record Breakdown(
      int score,
      int performance,
      int penalty,
      int trust,
      boolean fresh,
      long statusEpoch,
      int uptimeBps,
      long latencyMs,
      int canaryBps,
      long slashes,
      TokenAmount stake,
      Duration age) {}

  /** The governed parameters. */
  public record Params(
      int newcomerBps,
      int slashPenaltyBps,
      int trustFloorBps,
      int floorBps,
      long latencyTargetMs,
      int freshEpochs,
      TokenAmount stakeRef,
      Duration ageRef) {}

  public ProviderReputationFacade(TransactionSender sender, Address address) {
    super(sender, address);
    this.binding =
        ProviderReputation.load(address.value(), sender.web3j(), sender, new DefaultGasProvider());
  }

  /** The provider's score for the model, 0..10,000. */
  public int scoreOf(ModelId model, Address provider) {
    return call(binding.scoreOf(BigInteger.valueOf(model.value()), provider.value()))
        .intValueExact();
  }

  /** Whether the coordinator may assign the provider requests for the model. */
  public boolean meetsFloor(ModelId model, Address provider) {
    return call(binding.meetsFloor(BigInteger.valueOf(model.value()), provider.value()));
  }

  public Breakdown breakdown(ModelId model, Address provider) {
    ProviderReputation.Breakdown b =
        call(binding.breakdown(BigInteger.valueOf(model.value()), provider.value()));
    return new Breakdown(
        b.score.intValueExact(),
        b.performance.intValueExact(),
        b.penalty.intValueExact(),
        b.trust.intValueExact(),
        b.fresh,
        b.statusEpoch.longValueExact(),
        b.uptimeBps.intValueExact(),
        b.latencyMs.longValueExact(),
        b.canaryBps.intValueExact(),
        b.slashes.longValueExact(),
        TokenAmount.of(b.stake),
        Duration.ofSeconds(b.age.longValueExact()));
  }

  public Params params() {
    ProviderReputation.Params p = call(binding.params());
    return new Params(
        p.newcomerBps.intValueExact(),
        p.slashPenaltyBps.intValueExact(),
        p.trustFloorBps.intValueExact(),
        p.floorBps.intValueExact(),
        p.latencyTargetMs.longValueExact(),
        p.freshEpochs.intValueExact(),
        TokenAmount.of(p.stakeRef),
        Duration.ofSeconds(p.ageRef.longValueExact()));
  }

  /** Mints the provider's Provider NFT (anyone may; once per registered provider). */
  public TxResult mint(Address provider) {
    return tx(binding.mint(provider.value()));
  }

  public boolean hasNft(Address provider) {
    return call(binding.balanceOf(provider.value())).signum() > 0;
  }

  /** The Provider NFT's metadata, decoded from its on-chain data URI. */
  public JsonNode metadata(Address provider) {
    String uri = call(binding.tokenURI(new BigInteger(1, provider.bytes())));
    if (!uri.startsWith(DATA_URI)) {
      throw new IllegalStateException("tokenURI is not a JSON data URI: " + uri);
    }
    try {
      return JSON.readTree(
          new String(
              Base64.getDecoder().decode(uri.substring(DATA_URI.length())),
              StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("tokenURI holds no valid JSON", e);
    }
  }
}
