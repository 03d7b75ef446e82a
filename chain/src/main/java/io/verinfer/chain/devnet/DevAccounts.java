package io.verinfer.chain.devnet;

import java.util.ArrayList;
import java.util.List;
import org.web3j.crypto.Bip32ECKeyPair;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.MnemonicUtils;

/**
 * Hardhat Network's funded test accounts, derived from its public, well-known test mnemonic (BIP-44
 * path m/44'/60'/0'/0/i). These keys are public knowledge: use them on a devnet only.
 */
public final class DevAccounts {
  /** Hardhat's default mnemonic, published in its documentation. */
  public static final String MNEMONIC =
      "test test test test test test test test test test test junk";

  /** How many accounts hardhat.config.js funds. */
  public static final int COUNT = 20;

  private static final List<Credentials> ACCOUNTS = derive(COUNT);

  private DevAccounts() {}

  /** Account {@code index} (0 = the deployer and protocol admin on a devnet). */
  public static Credentials account(int index) {
    if (index < 0 || index >= COUNT) {
      throw new IllegalArgumentException("dev account index must be 0.." + (COUNT - 1));
    }
    return ACCOUNTS.get(index);
  }

  public static List<Credentials> all() {
    return ACCOUNTS;
  }

  private static List<Credentials> derive(int count) {
    Bip32ECKeyPair master =
        Bip32ECKeyPair.generateKeyPair(MnemonicUtils.generateSeed(MNEMONIC, ""));
    List<Credentials> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int[] path = {
        44 | Bip32ECKeyPair.HARDENED_BIT,
        60 | Bip32ECKeyPair.HARDENED_BIT,
        Bip32ECKeyPair.HARDENED_BIT,
        0,
        i
      };
      out.add(Credentials.create(Bip32ECKeyPair.deriveKeyPair(master, path)));
    }
    return List.copyOf(out);
  }
}
