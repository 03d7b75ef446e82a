package io.verinfer.chain.testing;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.devnet.DevnetSupervisor;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.LocalKeySigner;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.web3j.crypto.Credentials;

/**
 * The cast of a chain test, each a fresh {@link VerinferChain} view (fresh nonces: tests revert the
 * chain between runs). Accounts: deployer 0 (the faucet; it holds no role), spare 1, then
 * consumers, providers, authors.
 */
public final class Actors implements AutoCloseable {
  public static final int CONSUMER_0 = 2;
  public static final int PROVIDER_0 = 8;
  public static final int AUTHOR_0 = 14;
  public static final int SLASHER = 18;
  public static final int OUTSIDER = 19;

  private final VerinferChain admin;
  private final List<VerinferChain> opened = new ArrayList<>();

  public Actors() {
    DevnetSupervisor devnet = SharedDevnet.get();
    this.admin = VerinferChain.connect(devnet.deployment(), DevAccounts.account(0));
    opened.add(admin);
  }

  public VerinferChain admin() {
    return admin;
  }

  public VerinferChain account(int index) {
    VerinferChain view = admin.as(DevAccounts.account(index));
    opened.add(view);
    return view;
  }

  public VerinferChain consumer(int i) {
    return account(CONSUMER_0 + i);
  }

  public VerinferChain provider(int i) {
    return account(PROVIDER_0 + i);
  }

  public VerinferChain author(int i) {
    return account(AUTHOR_0 + i);
  }

  public static Address address(int index) {
    return Address.of(DevAccounts.account(index).getAddress());
  }

  public static LocalKeySigner signer(int index) {
    return LocalKeySigner.of(DevAccounts.account(index).getEcKeyPair());
  }

  public static LocalKeySigner signer(Credentials credentials) {
    return LocalKeySigner.of(credentials.getEcKeyPair());
  }

  public Address treasury() {
    return treasuryAddress();
  }

  /** The devnet's {@code VerinferTreasury}: where protocol fees and slashed remainders go. */
  public static Address treasuryAddress() {
    return Address.of(SharedDevnet.get().deployment().treasury());
  }

  /** Approves and deposits {@code amount} for the view's own account. */
  public static void deposit(VerinferChain consumer, TokenAmount amount) {
    consumer.token().approve(consumer.channels().address(), amount);
    consumer.channels().deposit(amount);
  }

  /** Publishes a fresh model (unique CID from {@code seed}) with the given royalty share (bps). */
  public static ModelId publish(VerinferChain author, String seed, int royaltyBps) {
    byte[] blob = ("model " + seed).getBytes(StandardCharsets.UTF_8);
    return author
        .models()
        .publishRaw(
            Cid.of(blob).bytes(),
            "onnx",
            Bytes32.keccak256(("schema " + seed).getBytes(StandardCharsets.UTF_8)),
            royaltyBps,
            1_000);
  }

  /** Signs a voucher as the consumer account {@code consumerIndex}. */
  public SignedVoucher voucher(
      int consumerIndex, Address provider, ModelId model, TokenAmount cumulative, long calls) {
    Voucher v = new Voucher(address(consumerIndex), provider, model, cumulative, calls);
    return SignedVoucher.sign(v, admin.channels().domain(), signer(consumerIndex));
  }

  @Override
  public void close() {
    for (VerinferChain c : opened) {
      c.close();
    }
  }
}
