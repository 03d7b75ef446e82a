package io.verinfer.chain.devnet;

import io.verinfer.chain.Deployer;
import io.verinfer.chain.Deployment;
import io.verinfer.chain.bindings.VerinferToken;
import io.verinfer.chain.tx.RetryPolicy;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.protocol.TokenAmount;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.gas.DefaultGasProvider;
import org.web3j.utils.Numeric;

/**
 * The embedded default chain: starts Hardhat Network on a free 127.0.0.1 port, deploys every
 * contract, funds the test accounts with VRF and writes the deployment file. Closing it (or the JVM
 * exiting) stops the node.
 *
 * <p>Accounts on the devnet: account 0 deploys the protocol, hands every admin power to the
 * governance timelock and keeps the undistributed supply as the devnet's faucet (its tokens are not
 * delegated, so they do not vote); account 1 is spare; accounts 2–19 each receive {@link
 * Options#fundEach()} VRF for tests and demos and delegate their votes to themselves, so a proposal
 * can pass with the demo accounts' votes (the devnet quorum is four of them).
 */
public final class DevnetSupervisor implements AutoCloseable {
  /** Where and how to start. {@code deploymentFile} may be null (nothing written). */
  public record Options(
      Path contractsDir, Path deploymentFile, Duration startTimeout, TokenAmount fundEach) {
    public static Options defaults() {
      return new Options(
          HardhatNode.contractsDir(),
          null,
          Duration.ofSeconds(60),
          TokenAmount.ofTokens("1000000"));
    }

    public Options withDeploymentFile(Path file) {
      return new Options(contractsDir, file, startTimeout, fundEach);
    }
  }

  public static final int ADMIN = 0;
  public static final int FIRST_USER = 2;

  private final HardhatNode node;
  private final Deployment deployment;

  private DevnetSupervisor(HardhatNode node, Deployment deployment) {
    this.node = node;
    this.deployment = deployment;
  }

  public static DevnetSupervisor start(Options options, Consumer<String> progress) {
    progress.accept("starting Hardhat Network on 127.0.0.1…");
    HardhatNode node = HardhatNode.start(options.contractsDir(), options.startTimeout());
    try {
      progress.accept(
          "devnet answering at " + node.rpcUrl() + " (chain id " + node.chainId() + ")");
      Web3j web3j = Web3j.build(new HttpService(node.rpcUrl().toString()));
      try {
        Deployment deployment = deployAndFund(web3j, node, options, progress);
        if (options.deploymentFile() != null) {
          deployment.write(options.deploymentFile());
          progress.accept("deployment file written to " + options.deploymentFile());
        }
        return new DevnetSupervisor(node, deployment);
      } finally {
        web3j.shutdown();
      }
    } catch (RuntimeException e) {
      node.close();
      throw e;
    }
  }

  private static Deployment deployAndFund(
      Web3j web3j, HardhatNode node, Options options, Consumer<String> progress) {
    Credentials admin = DevAccounts.account(ADMIN);
    TransactionSender sender =
        new TransactionSender(web3j, admin, node.chainId(), RetryPolicy.defaults());
    Deployment bare =
        new Deployer(sender, progress).deploy(Deployer.Config.devnet(), node.rpcUrl());
    VerinferToken token =
        VerinferToken.load(bare.address("VerinferToken"), web3j, sender, new DefaultGasProvider());
    for (int i = FIRST_USER; i < DevAccounts.COUNT; i++) {
      String to = DevAccounts.account(i).getAddress();
      sender.send(
          token.getContractAddress(),
          token.transfer(to, options.fundEach().baseUnits()).encodeFunctionCall());
    }
    progress.accept(
        "funded accounts "
            + FIRST_USER
            + "–"
            + (DevAccounts.COUNT - 1)
            + " with "
            + options.fundEach().toTokens()
            + " VRF each");
    for (int i = FIRST_USER; i < DevAccounts.COUNT; i++) {
      Credentials holder = DevAccounts.account(i);
      TransactionSender self =
          new TransactionSender(web3j, holder, node.chainId(), RetryPolicy.defaults());
      self.send(
          token.getContractAddress(), token.delegate(holder.getAddress()).encodeFunctionCall());
    }
    progress.accept(
        "accounts "
            + FIRST_USER
            + "–"
            + (DevAccounts.COUNT - 1)
            + " delegated their votes to themselves");
    List<Deployment.DevAccount> accounts =
        DevAccounts.all().stream()
            .map(
                c ->
                    new Deployment.DevAccount(
                        c.getAddress(),
                        Numeric.toHexStringWithPrefixZeroPadded(
                            c.getEcKeyPair().getPrivateKey(), 64)))
            .toList();
    return new Deployment(
        bare.chainId(),
        bare.rpcUrl(),
        bare.deployedAtBlock(),
        bare.admin(),
        bare.treasury(),
        bare.contracts(),
        accounts);
  }

  public Deployment deployment() {
    return deployment;
  }

  /**
   * Makes the devnet also mine a block every {@code interval} (zero turns it off). Hardhat mines
   * only when a transaction arrives, so an idle devnet's clock and block number stand still; a live
   * chain's do not, and a dispute waits for the block after the one that opened it.
   */
  public void mineEvery(java.time.Duration interval) {
    devRpc("evm_setIntervalMining", interval.toMillis());
  }

  /**
   * Turns Hardhat's mining of each transaction as it arrives on or off (off, blocks come only from
   * {@link #mineEvery}: transactions wait in the pool like on a live chain).
   */
  public void automine(boolean on) {
    devRpc("evm_setAutomine", on);
  }

  /**
   * Mines {@code blocks} empty blocks at once: e.g. one stake epoch, so that providers just
   * registered are in the snapshot dispute committees are drawn from.
   */
  public void mine(long blocks) {
    devRpc("hardhat_mine", "0x" + Long.toHexString(blocks));
  }

  /** One of Hardhat's own {@code evm_*} methods with one parameter; its result is not needed. */
  private void devRpc(String method, Object param) {
    HttpService service = new HttpService(node.rpcUrl().toString());
    try {
      var response =
          new org.web3j.protocol.core.Request<>(
                  method,
                  java.util.List.of(param),
                  service,
                  org.web3j.protocol.core.methods.response.VoidResponse.class)
              .send();
      if (response.hasError()) {
        throw new io.verinfer.chain.tx.ChainException(
            method + ": " + response.getError().getMessage());
      }
    } catch (java.io.IOException e) {
      throw new io.verinfer.chain.tx.ChainException(method + " failed", e);
    } finally {
      try {
        service.close();
      } catch (java.io.IOException e) {
        // nothing held open
      }
    }
  }

  public HardhatNode node() {
    return node;
  }

  @Override
  public void close() {
    node.close();
  }
}
