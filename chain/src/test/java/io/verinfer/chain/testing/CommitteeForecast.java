package io.verinfer.chain.testing;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.bindings.ProviderRegistry;
import io.verinfer.protocol.Address;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.web3j.crypto.Hash;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.tx.gas.DefaultGasProvider;
import org.web3j.utils.Numeric;

/**
 * What {@code drawCommittee} will give a dispute whose anchor block is mined, computed before the
 * draw from the same public inputs (the anchor's hash, the dispute's snapshot, the contract's
 * {@code drawAt}): lets a test that runs committee nodes choose a dispute whose seats fall the way
 * its steps need without the nodes ever seeing another draw.
 */
public final class CommitteeForecast {
  private static final String ZERO = "0x0000000000000000000000000000000000000000";

  private CommitteeForecast() {}

  /** Member → seats the draw of dispute {@code id} would give now, in draw order. */
  public static Map<Address, Integer> seats(VerinferChain chain, long id) {
    var d = chain.disputes().dispute(id);
    ProviderRegistry registry =
        ProviderRegistry.load(
            chain.providers().address().value(),
            chain.web3j(),
            chain.sender(),
            new DefaultGasProvider());
    BigInteger model = BigInteger.valueOf(d.model().value());
    BigInteger epoch = BigInteger.valueOf(d.snapshotEpoch());
    List<String> excluded = new ArrayList<>();
    excluded.add(d.challenger().value());
    for (int i = 0; i < 2; i++) {
      excluded.add(i < d.accused().size() ? d.accused().get(i).value() : ZERO);
    }
    try {
      BigInteger weight = registry.totalAt(model, epoch).send();
      List<String> seen = new ArrayList<>();
      for (String x : excluded) {
        if (!x.equals(ZERO) && !seen.contains(x.toLowerCase())) {
          seen.add(x.toLowerCase());
          weight = weight.subtract(registry.weightAt(model, x, epoch).send());
        }
      }
      Map<Address, Integer> seats = new LinkedHashMap<>();
      if (weight.signum() == 0) {
        return seats;
      }
      String hash =
          chain
              .web3j()
              .ethGetBlockByNumber(
                  DefaultBlockParameter.valueOf(BigInteger.valueOf(d.anchorBlock())), false)
              .send()
              .getBlock()
              .getHash();
      BigInteger seed = keccak(Numeric.hexStringToByteArray(hash), word(BigInteger.valueOf(id)));
      int size = chain.params().disputeParams().committeeSize();
      for (int s = 0; s < size; s++) {
        BigInteger r = keccak(word(seed), word(BigInteger.valueOf(s))).mod(weight);
        seats.merge(Address.of(registry.drawAt(model, epoch, r, excluded).send()), 1, Integer::sum);
      }
      return seats;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot forecast the committee of dispute " + id, e);
    }
  }

  /**
   * Opens a dispute ({@code open} returns its id), mines its anchor block and draws it once the
   * forecast satisfies {@code wanted}; otherwise reverts the attempt (no draw was ever mined) and
   * tries again a few blocks later, so every later block is one watchers have not seen. At most 40
   * attempts, each a real dispute.
   */
  public static long openAndDrawWhen(
      VerinferChain drawer, LongSupplier open, Predicate<Map<Address, Integer>> wanted) {
    for (int attempt = 0; attempt < 40; attempt++) {
      String before = SharedDevnet.snapshot();
      long id = open.getAsLong();
      SharedDevnet.mine(); // the anchor block
      if (wanted.test(seats(drawer, id))) {
        drawer.disputes().drawCommittee(id);
        return id;
      }
      SharedDevnet.revert(before);
      SharedDevnet.mine(3 + attempt);
    }
    throw new IllegalStateException("no dispute in 40 attempts drew the committee wanted");
  }

  /** The draw's seed: keccak256(abi.encode(anchorHash, id)). */
  public static BigInteger seed(byte[] anchorHash, long id) {
    return keccak(anchorHash, word(BigInteger.valueOf(id)));
  }

  /** Seat {@code seat}'s weight position before the modulus: keccak256(abi.encode(seed, seat)). */
  public static BigInteger seatPosition(BigInteger seed, int seat) {
    return keccak(word(seed), word(BigInteger.valueOf(seat)));
  }

  /** A 32-byte ABI word. */
  public static byte[] word(BigInteger v) {
    return Numeric.toBytesPadded(v, 32);
  }

  private static BigInteger keccak(byte[] a, byte[] b) {
    byte[] both = new byte[64];
    System.arraycopy(a, 0, both, 0, 32);
    System.arraycopy(b, 0, both, 32, 32);
    return new BigInteger(1, Hash.sha3(both));
  }
}
