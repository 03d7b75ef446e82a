package io.verinfer.protocol.oracle;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A report's Merkle tree exactly as {@code OracleMath.root} builds it: leaves {@code
 * keccak256(keccak256(abi.encode(modelId, epoch, provider, packed)))} in the providers' order,
 * sorted-pair keccak256 inner nodes (OpenZeppelin's {@code MerkleProof}), an odd last node moved up
 * unchanged. Its proofs verify with {@code AvailabilityOracle.applyLeaf}.
 */
public final class ReportTree {
  private final List<Bytes32[]> layers = new ArrayList<>();

  public ReportTree(long modelId, long epoch, List<Address> providers, List<Figures> medians) {
    if (providers.isEmpty() || providers.size() != medians.size()) {
      throw new IllegalArgumentException(
          providers.size() + " providers for " + medians.size() + " medians");
    }
    Bytes32[] layer = new Bytes32[providers.size()];
    for (int i = 0; i < layer.length; i++) {
      layer[i] = leaf(modelId, epoch, providers.get(i), medians.get(i));
    }
    layers.add(layer);
    while (layer.length > 1) {
      Bytes32[] next = new Bytes32[(layer.length + 1) / 2];
      for (int i = 0; i < layer.length / 2; i++) {
        next[i] = pair(layer[2 * i], layer[2 * i + 1]);
      }
      if (layer.length % 2 == 1) {
        next[next.length - 1] = layer[layer.length - 1];
      }
      layers.add(next);
      layer = next;
    }
  }

  public static Bytes32 leaf(long modelId, long epoch, Address provider, Figures figures) {
    byte[] data = new byte[128];
    word(data, 0, BigInteger.valueOf(modelId));
    word(data, 1, BigInteger.valueOf(epoch));
    System.arraycopy(provider.toWord().bytes(), 0, data, 64, 32);
    word(data, 3, new BigInteger(Long.toUnsignedString(figures.packed())));
    return Bytes32.keccak256(Bytes32.keccak256(data).bytes());
  }

  private static void word(byte[] data, int index, BigInteger value) {
    System.arraycopy(Bytes32.fromUnsigned(value).bytes(), 0, data, 32 * index, 32);
  }

  /** OpenZeppelin's {@code Hashes.commutativeKeccak256}. */
  static Bytes32 pair(Bytes32 a, Bytes32 b) {
    boolean aFirst = a.toUnsignedBigInteger().compareTo(b.toUnsignedBigInteger()) < 0;
    byte[] data = new byte[64];
    System.arraycopy((aFirst ? a : b).bytes(), 0, data, 0, 32);
    System.arraycopy((aFirst ? b : a).bytes(), 0, data, 32, 32);
    return Bytes32.keccak256(data);
  }

  public Bytes32 root() {
    return layers.get(layers.size() - 1)[0];
  }

  /** The siblings from leaf {@code index} up to the root (a moved-up node has none). */
  public List<Bytes32> proof(int index) {
    if (index < 0 || index >= layers.get(0).length) {
      throw new IndexOutOfBoundsException("leaf " + index + " of " + layers.get(0).length);
    }
    List<Bytes32> proof = new ArrayList<>();
    int i = index;
    for (int level = 0; level < layers.size() - 1; level++) {
      Bytes32[] layer = layers.get(level);
      int sibling = i ^ 1;
      if (sibling < layer.length) {
        proof.add(layer[sibling]);
      }
      i /= 2;
    }
    return List.copyOf(proof);
  }

  /** OpenZeppelin's {@code MerkleProof.verify}. */
  public static boolean verify(List<Bytes32> proof, Bytes32 root, Bytes32 leaf) {
    Bytes32 node = leaf;
    for (Bytes32 sibling : proof) {
      node = pair(node, sibling);
    }
    return node.equals(root);
  }

  @Override
  public String toString() {
    return "ReportTree[" + layers.get(0).length + " leaves, root " + root() + "]";
  }

  /** For tests: the leaves. */
  List<Bytes32> leaves() {
    return Arrays.asList(layers.get(0));
  }
}
