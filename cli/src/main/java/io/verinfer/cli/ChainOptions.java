package io.verinfer.cli;

import io.verinfer.chain.Deployment;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.devnet.DevAccounts;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.crypto.WalletUtils;
import org.web3j.crypto.exception.CipherException;
import picocli.CommandLine.Option;

/** Which chain and which wallet a command uses (picocli mixin). */
public final class ChainOptions {
  private static final long DEVNET_CHAIN_ID = 31_337;

  @Option(
      names = "--deployment",
      defaultValue = ".verinfer/devnet/deployment.json",
      description = "Deployment file (chain id, RPC URL, addresses); default: ${DEFAULT-VALUE}.")
  Path deployment;

  @Option(
      names = "--rpc",
      paramLabel = "URL",
      description = "JSON-RPC URL to use instead of the deployment file's, e.g. your own node.")
  String rpc;

  @Option(
      names = "--keystore",
      description = "Web3 Secret Storage (keystore V3) wallet file to sign with.")
  Path keystore;

  @Option(
      names = "--password-file",
      description = "File holding the keystore password (else env VERINFER_WALLET_PASSWORD).")
  Path passwordFile;

  @Option(
      names = "--dev-account",
      description = "Use devnet test account N (0-19); refused on any chain but the devnet.")
  Integer devAccount;

  Deployment deployment() {
    if (!Files.isRegularFile(deployment)) {
      throw new UserError(
          "no deployment file at "
              + deployment
              + ": start a devnet with `verinfer devnet`, or pass"
              + " --deployment FILE");
    }
    Deployment d = Deployment.read(deployment);
    return rpc == null ? d : d.withRpcUrl(rpcUrl());
  }

  private URI rpcUrl() {
    try {
      URI url = new URI(rpc);
      if (("http".equals(url.getScheme()) || "https".equals(url.getScheme()))
          && url.getHost() != null) {
        return url;
      }
    } catch (URISyntaxException e) {
      // explained below, like any other malformed value
    }
    throw new UserError(
        "--rpc must be an http:// or https:// JSON-RPC URL, e.g. http://127.0.0.1:8545, not '"
            + rpc
            + "'");
  }

  Credentials credentials(Deployment d) {
    if (devAccount != null) {
      if (d.chainId() != DEVNET_CHAIN_ID) {
        throw new UserError(
            "--dev-account is only for the devnet (chain id 31337), not " + d.chainId());
      }
      return DevAccounts.account(devAccount);
    }
    if (keystore == null) {
      throw new UserError("say who signs: --keystore FILE (or --dev-account N on a devnet)");
    }
    try {
      String password =
          passwordFile != null
              ? Files.readString(passwordFile).strip()
              : System.getenv().getOrDefault("VERINFER_WALLET_PASSWORD", "");
      return WalletUtils.loadCredentials(password, keystore.toFile());
    } catch (IOException e) {
      throw new UserError("cannot read keystore " + keystore + ": " + e.getMessage());
    } catch (CipherException e) {
      throw new UserError("cannot decrypt keystore " + keystore + ": wrong password?");
    }
  }

  VerinferChain connect() {
    Deployment d = deployment();
    return VerinferChain.connect(d, credentials(d));
  }

  /** Whether a wallet was named (--keystore or --dev-account). */
  boolean hasWallet() {
    return devAccount != null || keystore != null;
  }

  /**
   * Read-only use: the named wallet if there is one, else a throwaway key generated here (view
   * calls need a sender address, never a real key).
   */
  VerinferChain connectReadOnly() {
    Deployment d = deployment();
    if (hasWallet()) {
      return VerinferChain.connect(d, credentials(d));
    }
    try {
      return VerinferChain.connect(d, Credentials.create(Keys.createEcKeyPair()));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate a throwaway key for read-only calls", e);
    }
  }
}
