package io.verinfer.chain.facade;

import io.verinfer.chain.bindings.ModelRegistry;
import io.verinfer.chain.tx.ChainException;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.ModelId;
import java.math.BigInteger;
import java.time.Instant;
import org.web3j.tx.gas.DefaultGasProvider;

/** ModelRegistry: publish, update, hand over and deprecate content-addressed models. */
public final class ModelRegistryFacade extends ContractFacade {
  /**
   * A model as the registry records it. {@code royaltyBps}: the author's share, in basis points, of
   * every paid amount after the protocol fee.
   */
  public record ModelInfo(
      ModelId id,
      Address owner,
      int royaltyBps,
      boolean deprecated,
      long tolerancePpm,
      Instant publishedAt,
      Bytes32 schemaHash,
      byte[] cidBytes,
      String format) {}

  /** What a model author publishes. */
  public record Publication(
      Cid cid, String format, Bytes32 schemaHash, int royaltyBps, long tolerancePpm) {}

  private final ModelRegistry binding;

  public ModelRegistryFacade(TransactionSender sender, Address address) {
    super(sender, address);
    this.binding =
        ModelRegistry.load(address.value(), sender.web3j(), sender, new DefaultGasProvider());
  }

  /** Publishes a model owned by the sender and returns its id. */
  public ModelId publish(Publication p) {
    return publishRaw(
        p.cid().bytes(), p.format(), p.schemaHash(), p.royaltyBps(), p.tolerancePpm());
  }

  /** Publishes arbitrary CID bytes (used to test the registry's own validation). */
  public ModelId publishRaw(
      byte[] cid, String format, Bytes32 schemaHash, int royaltyBps, long tolerancePpm) {
    TxResult result =
        tx(
            binding.publish(
                cid,
                format,
                schemaHash.bytes(),
                BigInteger.valueOf(royaltyBps),
                BigInteger.valueOf(tolerancePpm)));
    return ModelRegistry.getModelPublishedEvents(result.receipt()).stream()
        .findFirst()
        .map(e -> ModelId.of(e.modelId.longValueExact()))
        .orElseThrow(() -> new ChainException("publish emitted no ModelPublished event"));
  }

  public TxResult update(ModelId id, Bytes32 schemaHash, int royaltyBps, long tolerancePpm) {
    return tx(
        binding.update(
            BigInteger.valueOf(id.value()),
            schemaHash.bytes(),
            BigInteger.valueOf(royaltyBps),
            BigInteger.valueOf(tolerancePpm)));
  }

  public TxResult transferModel(ModelId id, Address newOwner) {
    return tx(binding.transferModel(BigInteger.valueOf(id.value()), newOwner.value()));
  }

  public TxResult deprecate(ModelId id) {
    return tx(binding.deprecate(BigInteger.valueOf(id.value())));
  }

  /** Takes a model off the market for abuse: governance only (the timelock sends it). */
  public TxResult delist(ModelId id, String reason) {
    return tx(binding.delist(BigInteger.valueOf(id.value()), reason));
  }

  /** Whether governance delisted the model (it is then also deprecated). */
  public boolean isDelisted(ModelId id) {
    return call(binding.isDelisted(BigInteger.valueOf(id.value())));
  }

  public ModelInfo model(ModelId id) {
    ModelRegistry.ModelView m = call(binding.getModel(BigInteger.valueOf(id.value())));
    return new ModelInfo(
        id,
        Address.of(m.owner),
        m.royaltyBps.intValueExact(),
        m.deprecated,
        m.tolerancePpm.longValueExact(),
        Instant.ofEpochSecond(m.publishedAt.longValueExact()),
        Bytes32.of(m.schemaHash),
        m.cid,
        m.format);
  }

  /** Terms an owner scheduled with {@code update}: in force from {@code changesAt}. */
  public record ScheduledTerms(int royaltyBps, long tolerancePpm, Instant changesAt) {}

  /** The royalty and tolerance change waiting out its notice, if one is. */
  public java.util.Optional<ScheduledTerms> scheduledTerms(ModelId id) {
    ModelRegistry.ModelView m = call(binding.getModel(BigInteger.valueOf(id.value())));
    if (m.changesAt.signum() == 0) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(
        new ScheduledTerms(
            m.nextRoyaltyBps.intValueExact(),
            m.nextTolerancePpm.longValueExact(),
            Instant.ofEpochSecond(m.changesAt.longValueExact())));
  }

  /** The id a CID was published under, if it was. */
  public java.util.Optional<ModelId> idOf(Cid cid) {
    long id = call(binding.modelIdOfCid(Bytes32.keccak256(cid.bytes()).bytes())).longValueExact();
    return id == 0 ? java.util.Optional.empty() : java.util.Optional.of(ModelId.of(id));
  }

  public long modelCount() {
    return call(binding.modelCount()).longValueExact();
  }

  public boolean isActive(ModelId id) {
    return call(binding.isActive(BigInteger.valueOf(id.value())));
  }
}
