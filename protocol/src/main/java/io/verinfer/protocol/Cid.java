package io.verinfer.protocol;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Objects;

/**
 * An IPFS-compatible content identifier of the one shape Verinfer uses: CIDv1, multicodec {@code
 * raw} (0x55), multihash sha2-256 (0x12, 32-byte digest), printed in multibase base32 lower case
 * ({@code b} prefix, RFC 4648 alphabet, no padding) — the form {@code ipfs add --cid-version 1
 * --raw-leaves} prints for a single-block file, e.g. {@code bafkrei…}.
 */
public final class Cid {
  static final int VERSION = 0x01;
  static final int RAW = 0x55;
  static final int SHA2_256 = 0x12;
  static final int DIGEST_LENGTH = 0x20;
  private static final byte[] PREFIX = {VERSION, RAW, SHA2_256, DIGEST_LENGTH};

  private final byte[] digest;

  private Cid(byte[] digest) {
    this.digest = digest;
  }

  /** The CID of {@code content}: its SHA-256 digest wrapped as a raw CIDv1. */
  public static Cid of(byte[] content) {
    Objects.requireNonNull(content, "content must not be null");
    try {
      return new Cid(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime must provide SHA-256", e);
    }
  }

  /** The CID of content whose SHA-256 digest was computed elsewhere (e.g. while streaming). */
  public static Cid ofSha256Digest(byte[] digest) {
    Objects.requireNonNull(digest, "digest must not be null");
    if (digest.length != DIGEST_LENGTH) {
      throw new IllegalArgumentException(
          "sha2-256 digest must be 32 bytes, got " + digest.length + " bytes");
    }
    return new Cid(digest.clone());
  }

  /** Parses the binary form ({@link #bytes()}): 0x01 0x55 0x12 0x20 followed by the digest. */
  public static Cid fromBytes(byte[] binary) {
    Objects.requireNonNull(binary, "cid bytes must not be null");
    if (binary.length != PREFIX.length + DIGEST_LENGTH
        || !java.util.Arrays.equals(binary, 0, PREFIX.length, PREFIX, 0, PREFIX.length)) {
      throw new IllegalArgumentException(
          "cid bytes must be a raw sha2-256 CIDv1 (0x01551220 + 32-byte digest), got "
              + binary.length
              + " bytes");
    }
    return new Cid(java.util.Arrays.copyOfRange(binary, PREFIX.length, binary.length));
  }

  /**
   * Parses the base32 string form, checking multibase, CID version, codec, hash function and digest
   * length; each failure names what was found and what is supported.
   */
  public static Cid parse(String cid) {
    Objects.requireNonNull(cid, "cid must not be null");
    if (cid.isEmpty()) {
      throw new IllegalArgumentException("cid must not be empty");
    }
    if (cid.startsWith("Qm")) {
      throw new IllegalArgumentException(
          "cid '" + cid + "' is a CIDv0; only CIDv1 raw sha2-256 (bafkrei...) is supported");
    }
    if (cid.charAt(0) != 'b') {
      throw new IllegalArgumentException(
          "cid '"
              + cid
              + "' has multibase prefix '"
              + cid.charAt(0)
              + "'; only base32 lower case ('b') is supported");
    }
    byte[] bin = Base32.decode(cid.substring(1), "cid '" + cid + "'");
    int[] pos = {0};
    long version = readVarint(bin, pos, cid);
    if (version != VERSION) {
      throw new IllegalArgumentException(
          "cid '" + cid + "' has CID version " + version + "; only version 1 is supported");
    }
    long codec = readVarint(bin, pos, cid);
    if (codec != RAW) {
      throw new IllegalArgumentException(
          "cid '"
              + cid
              + "' has multicodec 0x"
              + Long.toHexString(codec)
              + "; only raw (0x55) is supported");
    }
    long hashFn = readVarint(bin, pos, cid);
    if (hashFn != SHA2_256) {
      throw new IllegalArgumentException(
          "cid '"
              + cid
              + "' has multihash function 0x"
              + Long.toHexString(hashFn)
              + "; only sha2-256 (0x12) is supported");
    }
    long length = readVarint(bin, pos, cid);
    int remaining = bin.length - pos[0];
    if (length != DIGEST_LENGTH || remaining != DIGEST_LENGTH) {
      throw new IllegalArgumentException(
          "cid '"
              + cid
              + "' declares a "
              + length
              + "-byte digest and carries "
              + remaining
              + " bytes; sha2-256 needs exactly 32");
    }
    return new Cid(Arrays.copyOfRange(bin, pos[0], bin.length));
  }

  private static long readVarint(byte[] bin, int[] pos, String cid) {
    long value = 0;
    for (int shift = 0; shift < 63; shift += 7) {
      if (pos[0] >= bin.length) {
        throw new IllegalArgumentException("cid '" + cid + "' is truncated");
      }
      int b = bin[pos[0]++] & 0xff;
      value |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        if (b == 0 && shift > 0) {
          throw new IllegalArgumentException("cid '" + cid + "' has a non-minimal varint");
        }
        return value;
      }
    }
    throw new IllegalArgumentException("cid '" + cid + "' has an over-long varint");
  }

  /** The binary CID: {@code 0x01 0x55 0x12 0x20} followed by the digest (36 bytes, fresh copy). */
  public byte[] bytes() {
    byte[] out = Arrays.copyOf(PREFIX, PREFIX.length + DIGEST_LENGTH);
    System.arraycopy(digest, 0, out, PREFIX.length, DIGEST_LENGTH);
    return out;
  }

  /** The 32-byte SHA-256 digest of the content (fresh copy). */
  public byte[] digest() {
    return digest.clone();
  }

  /** Whether {@code content} hashes to this CID. */
  public boolean matches(byte[] content) {
    return equals(of(content));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cid other && Arrays.equals(digest, other.digest);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(digest);
  }

  /**
   * The multibase base32 form, e.g. {@code
   * bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku}.
   */
  @Override
  public String toString() {
    return "b" + Base32.encode(bytes());
  }
}
