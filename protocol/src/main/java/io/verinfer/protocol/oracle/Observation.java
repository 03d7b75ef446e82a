package io.verinfer.protocol.oracle;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.Eip712Struct;
import io.verinfer.protocol.Signature;
import io.verinfer.protocol.Signer;
import java.math.BigInteger;
import java.util.List;
import java.util.Objects;

/**
 * One adapter's figures for every provider of a model in one epoch: the EIP-712 {@code
 * Observation(uint64 modelId,uint64 epoch,bytes32 providers,bytes32 values)} it signs, where {@code
 * providers} is keccak256(abi.encodePacked(providers)) (one 32-byte word per address, as Solidity
 * lays out arrays) and {@code values} the keccak256 of the {@link #packedValues()} bytes (8 per
 * provider: calldata the contract reads without ABI decoding).
 *
 * @param providers strictly ascending, as the contract requires
 * @param values one {@link Figures} per provider, in the same order
 */
public record Observation(long modelId, long epoch, List<Address> providers, List<Figures> values) {
  /** The EIP-712 type string. */
  public static final String TYPE =
      "Observation(uint64 modelId,uint64 epoch,bytes32 providers,bytes32 values)";

  public static final Bytes32 TYPEHASH = Eip712Struct.typeHash(TYPE);

  /** The domain name {@code AvailabilityOracle} passes to {@code EIP712(name, version)}. */
  public static final String DOMAIN_NAME = "VerinferAvailabilityOracle";

  public Observation {
    if (modelId < 0 || epoch < 0) {
      throw new IllegalArgumentException("modelId and epoch must not be negative");
    }
    providers = List.copyOf(Objects.requireNonNull(providers, "providers"));
    values = List.copyOf(Objects.requireNonNull(values, "values"));
    if (providers.isEmpty()) {
      throw new IllegalArgumentException("providers must not be empty");
    }
    if (values.size() != providers.size()) {
      throw new IllegalArgumentException(
          "values has " + values.size() + " figures for " + providers.size() + " providers");
    }
    for (int i = 1; i < providers.size(); i++) {
      if (unsigned(providers.get(i - 1)).compareTo(unsigned(providers.get(i))) >= 0) {
        throw new IllegalArgumentException(
            "providers must be strictly ascending; index " + i + " is not");
      }
    }
  }

  /** The oracle's signing domain on {@code chainId}. */
  public static Eip712Domain domain(long chainId, Address oracle) {
    return new Eip712Domain(DOMAIN_NAME, "1", chainId, oracle);
  }

  /** Sorts providers ascending the way the contract wants them. */
  public static List<Address> sorted(List<Address> providers) {
    return providers.stream()
        .distinct()
        .sorted((a, b) -> unsigned(a).compareTo(unsigned(b)))
        .toList();
  }

  private static BigInteger unsigned(Address a) {
    return new BigInteger(1, a.bytes());
  }

  /** keccak256(abi.encodePacked(providers)). */
  public Bytes32 providersHash() {
    byte[] data = new byte[32 * providers.size()];
    for (int i = 0; i < providers.size(); i++) {
      System.arraycopy(providers.get(i).toWord().bytes(), 0, data, 32 * i, 32);
    }
    return Bytes32.keccak256(data);
  }

  /** keccak256 of {@link #packedValues()}. */
  public Bytes32 valuesHash() {
    return Bytes32.keccak256(packedValues());
  }

  public Bytes32 structHash() {
    return Eip712Struct.of(TYPEHASH)
        .uint(modelId)
        .uint(epoch)
        .bytes32(providersHash())
        .bytes32(valuesHash())
        .hash();
  }

  /** The digest the contract's {@code observationDigest} returns. */
  public Bytes32 digest(Eip712Domain domain) {
    return domain.digest(structHash());
  }

  /** Signs it for {@code domain}. */
  public Signature sign(Signer signer, Eip712Domain domain) {
    return signer.sign(digest(domain));
  }

  /** The figures as the contract receives them: each packed uint64, big-endian, 8 bytes. */
  public byte[] packedValues() {
    byte[] data = new byte[8 * values.size()];
    for (int i = 0; i < values.size(); i++) {
      long v = values.get(i).packed();
      for (int b = 0; b < 8; b++) {
        data[8 * i + 7 - b] = (byte) (v >>> (8 * b));
      }
    }
    return data;
  }
}
