package io.verinfer.protocol;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Builds an EIP-712 {@code hashStruct}: {@code keccak256(abi.encode(typeHash, field1, field2, …))}
 * where every field is one 32-byte word, exactly as Solidity's {@code abi.encode} lays out static
 * types. Dynamic {@code string} fields are hashed first, as EIP-712 requires; nested structs are
 * passed as their own hash via {@link #bytes32}. Not thread-safe; use one builder per hash.
 *
 * <pre>{@code
 * Bytes32 h = Eip712Struct.of(TYPEHASH).address(consumer).uint(modelId).hash();
 * }</pre>
 */
public final class Eip712Struct {
  private byte[] buffer = new byte[32 * 8];
  private int length;

  private Eip712Struct() {}

  /** The type hash of an EIP-712 encoded type, e.g. {@code "Mail(Person from,…)Person(…)"}. */
  public static Bytes32 typeHash(String encodedType) {
    return keccakUtf8(Objects.requireNonNull(encodedType, "encodedType must not be null"));
  }

  /** Starts a struct whose first word is {@code typeHash}. */
  public static Eip712Struct of(Bytes32 typeHash) {
    return new Eip712Struct()
        .bytes32(Objects.requireNonNull(typeHash, "typeHash must not be null"));
  }

  /** An {@code address} field, left-padded with zeros. */
  public Eip712Struct address(Address value) {
    return append(Objects.requireNonNull(value, "address field must not be null").toWord());
  }

  /** A {@code uintN} field; {@code value} must be in [0, 2^256). */
  public Eip712Struct uint(BigInteger value) {
    return append(Bytes32.fromUnsigned(value));
  }

  /** A {@code uintN} field from a non-negative {@code long}. */
  public Eip712Struct uint(long value) {
    if (value < 0) {
      throw new IllegalArgumentException("uint field must not be negative, got " + value);
    }
    return uint(BigInteger.valueOf(value));
  }

  /** A {@code bytes32} field, or a nested struct's hash. */
  public Eip712Struct bytes32(Bytes32 value) {
    return append(Objects.requireNonNull(value, "bytes32 field must not be null"));
  }

  /** A {@code string} field, encoded as the keccak256 of its UTF-8 bytes. */
  public Eip712Struct string(String value) {
    return append(keccakUtf8(Objects.requireNonNull(value, "string field must not be null")));
  }

  /** The ABI encoding so far: the type hash followed by one word per field. */
  public byte[] encoded() {
    return Arrays.copyOf(buffer, length);
  }

  /** {@code keccak256} of the encoding: the struct hash. */
  public Bytes32 hash() {
    return Bytes32.keccak256(encoded());
  }

  private Eip712Struct append(Bytes32 word) {
    if (length == buffer.length) {
      buffer = Arrays.copyOf(buffer, 2 * buffer.length);
    }
    System.arraycopy(word.unsafeBytes(), 0, buffer, length, 32);
    length += 32;
    return this;
  }

  private static Bytes32 keccakUtf8(String s) {
    return Bytes32.keccak256(s.getBytes(StandardCharsets.UTF_8));
  }
}
