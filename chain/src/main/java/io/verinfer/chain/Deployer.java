package io.verinfer.chain;

import io.verinfer.chain.bindings.DisputeManager;
import io.verinfer.chain.bindings.InferenceCoordinator;
import io.verinfer.chain.bindings.ModelRegistry;
import io.verinfer.chain.bindings.PaymentChannels;
import io.verinfer.chain.bindings.ProtocolParams;
import io.verinfer.chain.bindings.ProviderRegistry;
import io.verinfer.chain.bindings.UsageCounter;
import io.verinfer.chain.bindings.VerinferToken;
import io.verinfer.chain.tx.ChainException;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.web3j.protocol.core.RemoteCall;
import org.web3j.tx.Contract;
import org.web3j.tx.gas.ContractGasProvider;
import org.web3j.tx.gas.DefaultGasProvider;

/** Deploys and wires every Verinfer contract from the admin account. */
public final class Deployer {
  /** The protocol's starting parameters. */
  public record Config(
      TokenAmount supply,
      int protocolFeeBps,
      TokenAmount minProviderStake,
      Duration unbondingDelay,
      Duration withdrawDelay,
      Address treasury,
      int epochBlocks) {

    /**
     * Devnet defaults: 1e9 VRF, a 3% protocol fee, 1,000 VRF minimum stake, short delays, and
     * 16-block stake epochs (a devnet mines a block per transaction, so the 64-block epochs of a
     * public chain would keep a new provider off committees for 64 transactions).
     */
    public static Config devnet(Address treasury) {
      return new Config(
          TokenAmount.ofTokens("1000000000"),
          300,
          TokenAmount.ofTokens("1000"),
          Duration.ofDays(7),
          Duration.ofHours(1),
          treasury,
          16);
    }
  }

  private final TransactionSender admin;
  private final Consumer<String> progress;
  private final ContractGasProvider unusedGas = new DefaultGasProvider(); // the sender estimates

  public Deployer(TransactionSender admin, Consumer<String> progress) {
    this.admin = admin;
    this.progress = progress;
  }

  /** Deploys everything and returns the deployment (without dev accounts). */
  public Deployment deploy(Config config, URI rpcUrl) {
    String adminAddress = admin.getFromAddress();
    long startBlock = blockNumber();
    Map<String, String> addresses = new LinkedHashMap<>();
    var web3j = admin.web3j();

    String token =
        deployed(
            "VerinferToken",
            VerinferToken.deploy(
                web3j, admin, unusedGas, adminAddress, config.supply().baseUnits()),
            addresses);
    String params =
        deployed(
            "ProtocolParams",
            ProtocolParams.deploy(
                web3j,
                admin,
                unusedGas,
                adminAddress,
                config.treasury().value(),
                BigInteger.valueOf(config.protocolFeeBps()),
                config.minProviderStake().baseUnits(),
                BigInteger.valueOf(config.unbondingDelay().toSeconds()),
                BigInteger.valueOf(config.withdrawDelay().toSeconds())),
            addresses);
    String models =
        deployed("ModelRegistry", ModelRegistry.deploy(web3j, admin, unusedGas, params), addresses);
    String providers =
        deployed(
            "ProviderRegistry",
            ProviderRegistry.deploy(
                web3j,
                admin,
                unusedGas,
                adminAddress,
                token,
                params,
                models,
                BigInteger.valueOf(config.epochBlocks())),
            addresses);
    String counter =
        deployed("UsageCounter", UsageCounter.deploy(web3j, admin, unusedGas), addresses);
    String channels =
        deployed(
            "PaymentChannels",
            PaymentChannels.deploy(web3j, admin, unusedGas, token, params, models, counter),
            addresses);
    UsageCounter counterBinding = UsageCounter.load(counter, web3j, admin, unusedGas);
    admin.send(counter, counterBinding.bindPaymentChannels(channels).encodeFunctionCall());
    progress.accept("wired UsageCounter to PaymentChannels");
    String disputes =
        deployed(
            "DisputeManager",
            DisputeManager.deploy(web3j, admin, unusedGas, token, params, providers, channels),
            addresses);
    ProviderRegistry registry = ProviderRegistry.load(providers, web3j, admin, unusedGas);
    try {
      byte[] slasher = registry.SLASHER_ROLE().send();
      admin.send(providers, registry.grantRole(slasher, disputes).encodeFunctionCall());
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new ChainException("cannot read SLASHER_ROLE: " + e.getMessage(), e);
    }
    progress.accept("granted DisputeManager the slasher role");
    String coordinator =
        deployed(
            "InferenceCoordinator",
            InferenceCoordinator.deploy(
                web3j, admin, unusedGas, token, params, models, providers, disputes),
            addresses);
    admin.send(
        disputes,
        DisputeManager.load(disputes, web3j, admin, unusedGas)
            .setCoordinator(coordinator)
            .encodeFunctionCall());
    progress.accept("wired DisputeManager to InferenceCoordinator");
    admin.send(
        params,
        ProtocolParams.load(params, web3j, admin, unusedGas)
            .addListener(coordinator)
            .encodeFunctionCall());
    progress.accept("InferenceCoordinator listens to ProtocolParams changes");
    return new Deployment(
        admin.chainId(),
        rpcUrl,
        startBlock,
        adminAddress,
        config.treasury().value(),
        addresses,
        List.of());
  }

  private <T extends Contract> String deployed(
      String name, RemoteCall<T> deployment, Map<String, String> addresses) {
    try {
      String address = deployment.send().getContractAddress();
      addresses.put(name, address);
      progress.accept("deployed " + name + " at " + address);
      return address;
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new ChainException("deploying " + name + " failed: " + e.getMessage(), e);
    }
  }

  private long blockNumber() {
    try {
      return admin.web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
    } catch (java.io.IOException e) {
      throw new ChainException("cannot read the block number", e);
    }
  }
}
