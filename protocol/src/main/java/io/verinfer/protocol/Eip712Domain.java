package io.verinfer.protocol;

import java.util.Objects;

/**
 * The EIP-712 domain with the four fields OpenZeppelin's {@code EIP712} uses: {@code name}, {@code
 * version}, {@code chainId}, {@code verifyingContract}. A signature made for one chain or contract
 * never verifies on another.
 *
 * @param name the signing domain name ({@value #NAME} for Verinfer)
 * @param version the domain version ({@value #VERSION} for Verinfer)
 * @param chainId the EIP-155 chain id, at least 1
 * @param verifyingContract the contract that checks the signatures
 */
public record Eip712Domain(String name, String version, long chainId, Address verifyingContract) {
  /** The domain name the Verinfer contracts pass to {@code EIP712(name, version)}. */
  public static final String NAME = "Verinfer";

  /** The domain version the Verinfer contracts pass to {@code EIP712(name, version)}. */
  public static final String VERSION = "1";

  /** The EIP-712 domain type string. */
  public static final String TYPE =
      "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";

  /** {@code keccak256(TYPE)}, OpenZeppelin's {@code TYPE_HASH}. */
  public static final Bytes32 TYPEHASH = Eip712Struct.typeHash(TYPE);

  private static final byte[] PREFIX = {0x19, 0x01};

  /**
   * The last domain whose separator was computed: a process signs for one domain, nearly always.
   */
  private record Cached(Eip712Domain domain, Bytes32 separator) {}

  private static volatile Cached last;

  /** Validates the fields. */
  public Eip712Domain {
    Objects.requireNonNull(name, "name must not be null");
    Objects.requireNonNull(version, "version must not be null");
    Objects.requireNonNull(verifyingContract, "verifyingContract must not be null");
    if (chainId < 1) {
      throw new IllegalArgumentException("chainId must be at least 1, got " + chainId);
    }
  }

  /** The Verinfer domain on {@code chainId} for {@code contract}. */
  public static Eip712Domain verinfer(long chainId, Address contract) {
    return new Eip712Domain(NAME, VERSION, chainId, contract);
  }

  /** OpenZeppelin's {@code _domainSeparatorV4()}. */
  public Bytes32 separator() {
    Cached c = last;
    if (c != null && c.domain().equals(this)) {
      return c.separator();
    }
    Bytes32 separator = compute();
    last = new Cached(this, separator);
    return separator;
  }

  private Bytes32 compute() {
    return Eip712Struct.of(TYPEHASH)
        .string(name)
        .string(version)
        .uint(chainId)
        .address(verifyingContract)
        .hash();
  }

  /**
   * OpenZeppelin's {@code _hashTypedDataV4(structHash)}: {@code keccak256(0x1901 ‖ separator ‖
   * structHash)}.
   */
  public Bytes32 digest(Bytes32 structHash) {
    Objects.requireNonNull(structHash, "structHash must not be null");
    byte[] data = new byte[2 + 32 + 32];
    System.arraycopy(PREFIX, 0, data, 0, 2);
    System.arraycopy(separator().unsafeBytes(), 0, data, 2, 32);
    System.arraycopy(structHash.unsafeBytes(), 0, data, 34, 32);
    return Bytes32.keccak256(data);
  }
}
