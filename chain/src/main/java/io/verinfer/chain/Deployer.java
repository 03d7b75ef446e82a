package io.verinfer.chain;

import io.verinfer.chain.bindings.AvailabilityOracle;
import io.verinfer.chain.bindings.DisputeManager;
import io.verinfer.chain.bindings.InferenceCoordinator;
import io.verinfer.chain.bindings.ModelRegistry;
import io.verinfer.chain.bindings.PaymentChannels;
import io.verinfer.chain.bindings.ProtocolParams;
import io.verinfer.chain.bindings.ProviderRegistry;
import io.verinfer.chain.bindings.ProviderReputation;
import io.verinfer.chain.bindings.UsageCounter;
import io.verinfer.chain.bindings.VerinferGovernor;
import io.verinfer.chain.bindings.VerinferTimelock;
import io.verinfer.chain.bindings.VerinferToken;
import io.verinfer.chain.bindings.VerinferTreasury;
import io.verinfer.chain.tx.ChainException;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.web3j.protocol.core.RemoteCall;
import org.web3j.tx.Contract;
import org.web3j.tx.gas.ContractGasProvider;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * Deploys and wires every Verinfer contract from a deployer account, then hands every admin power
 * to the governance timelock and renounces its own: when {@link #deploy} returns, no externally
 * owned account holds any role or ownership (the role audit, {@code RoleAuditIT}, checks it).
 */
public final class Deployer {
  /**
   * How the token holders govern: the Governor's voting delay and period (blocks of the token's
   * clock), the shortest voting period a vote may ever set, the proposal threshold, the quorum
   * (basis points of the supply), and the timelock's delay and its floor.
   */
  public record Governance(
      int votingDelayBlocks,
      int votingPeriodBlocks,
      int minVotingPeriodBlocks,
      TokenAmount proposalThreshold,
      int quorumBps,
      Duration timelockDelay,
      Duration timelockFloor) {

    /**
     * A public chain's (12 s blocks): a day before voting opens, a week of voting, 100,000 VRF to
     * propose, 4% quorum, two days in the timelock (never less than one).
     */
    public static Governance publicChain() {
      return new Governance(
          7_200,
          50_400,
          21_600,
          TokenAmount.ofTokens("100000"),
          400,
          Duration.ofDays(2),
          Duration.ofDays(1));
    }

    /**
     * The devnet's: voting opens a block after the proposal and stays open 10 blocks (20 s with the
     * devnet stack's 2 s blocks), 1,000 VRF to propose, a 0.4% quorum (four of the demo accounts'
     * million VRF each), 30 s in the timelock: a whole proposal in about a minute.
     */
    public static Governance devnet() {
      return new Governance(
          1,
          10,
          4,
          TokenAmount.ofTokens("1000"),
          40,
          Duration.ofSeconds(30),
          Duration.ofSeconds(30));
    }
  }

  /**
   * The availability oracle's epoch and its starting parameters (each within the contract's hard
   * bounds; governance changes them later): adapters' minimum stake, reward per in-tolerance
   * report, exit delay, the stake share a run of {@code strikeLimit} deviant reports costs, the
   * tolerances (uptime and canary in absolute basis points, latency relative) and the share of a
   * report's providers an adapter may deviate on before the report is a strike.
   */
  public record Oracle(
      Duration epoch,
      TokenAmount minAdapterStake,
      TokenAmount rewardPerReport,
      Duration exitDelay,
      int adapterSlashBps,
      int toleranceBps,
      int latencyToleranceBps,
      int maxDeviantBps,
      int strikeLimit) {

    /** A public chain's: hourly epochs, a week to exit. */
    public static Oracle publicChain() {
      return new Oracle(
          Duration.ofHours(1),
          TokenAmount.ofTokens("10000"),
          TokenAmount.ofTokens("1"),
          Duration.ofDays(7),
          1_000,
          1_000,
          5_000,
          1_000,
          3);
    }

    /**
     * The devnet's: 30 s epochs (a provider marked down is seen within a minute), an hour to exit,
     * latency within ±100 % (loopback latencies of a few ms are mostly noise).
     */
    public static Oracle devnet() {
      return new Oracle(
          Duration.ofSeconds(30),
          TokenAmount.ofTokens("1000"),
          TokenAmount.ofTokens("1"),
          Duration.ofHours(1),
          1_000,
          1_000,
          10_000,
          1_000,
          3);
    }

    AvailabilityOracle.Params params() {
      return new AvailabilityOracle.Params(
          minAdapterStake.baseUnits(),
          rewardPerReport.baseUnits(),
          BigInteger.valueOf(exitDelay.toSeconds()),
          BigInteger.valueOf(adapterSlashBps),
          BigInteger.valueOf(toleranceBps),
          BigInteger.valueOf(latencyToleranceBps),
          BigInteger.valueOf(maxDeviantBps),
          BigInteger.valueOf(strikeLimit));
    }
  }

  /**
   * {@code ProviderReputation}'s starting parameters (the timelock's afterwards, within the
   * contract's bounds): the score of a provider the oracle has no fresh status for, what each slash
   * costs, the trust weight that stake and age carry, the floor below which the coordinator assigns
   * nothing, the latency at which the latency factor starts to fall, how many epochs a status stays
   * fresh, and the stake and age that count as fully trusted.
   */
  public record Reputation(
      int newcomerBps,
      int slashPenaltyBps,
      int trustFloorBps,
      int floorBps,
      int latencyTargetMs,
      int freshEpochs,
      TokenAmount stakeRef,
      Duration ageRef) {

    /** A public chain's: a month of age and 100,000 VRF of stake earn full trust. */
    public static Reputation publicChain() {
      return new Reputation(
          5_000, 2_500, 5_000, 1_000, 500, 2, TokenAmount.ofTokens("100000"), Duration.ofDays(30));
    }

    /** The devnet's: loopback latencies, an hour of age and 10,000 VRF of stake. */
    public static Reputation devnet() {
      return new Reputation(
          5_000, 2_500, 5_000, 1_000, 200, 2, TokenAmount.ofTokens("10000"), Duration.ofHours(1));
    }

    ProviderReputation.Params params() {
      return new ProviderReputation.Params(
          BigInteger.valueOf(newcomerBps),
          BigInteger.valueOf(slashPenaltyBps),
          BigInteger.valueOf(trustFloorBps),
          BigInteger.valueOf(floorBps),
          BigInteger.valueOf(latencyTargetMs),
          BigInteger.valueOf(freshEpochs),
          stakeRef.baseUnits(),
          BigInteger.valueOf(ageRef.toSeconds()));
    }
  }

  /** The protocol's starting parameters. */
  public record Config(
      TokenAmount supply,
      int protocolFeeBps,
      TokenAmount minProviderStake,
      Duration unbondingDelay,
      Duration withdrawDelay,
      int epochBlocks,
      Governance governance,
      Oracle oracle,
      Reputation reputation) {

    /**
     * Devnet defaults: 1e9 VRF, a 3% protocol fee, 1,000 VRF minimum stake, short delays, and
     * 16-block stake epochs (a devnet mines a block per transaction, so the 64-block epochs of a
     * public chain would keep a new provider off committees for 64 transactions).
     */
    public static Config devnet() {
      return new Config(
          TokenAmount.ofTokens("1000000000"),
          300,
          TokenAmount.ofTokens("1000"),
          Duration.ofDays(7),
          Duration.ofHours(1),
          16,
          Governance.devnet(),
          Oracle.devnet(),
          Reputation.devnet());
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
    String deployer = admin.getFromAddress();
    long startBlock = blockNumber();
    Map<String, String> addresses = new LinkedHashMap<>();
    var web3j = admin.web3j();
    Governance gov = config.governance();

    String token =
        deployed(
            "VerinferToken",
            VerinferToken.deploy(web3j, admin, unusedGas, deployer, config.supply().baseUnits()),
            addresses);
    // the timelock starts with the deployer as its setup admin (to grant the governor its
    // roles); nobody may propose until the governor exists, and anyone may execute what is ready
    String timelock =
        deployed(
            "VerinferTimelock",
            VerinferTimelock.deploy(
                web3j,
                admin,
                unusedGas,
                BigInteger.valueOf(gov.timelockDelay().toSeconds()),
                BigInteger.valueOf(gov.timelockFloor().toSeconds()),
                List.of(),
                List.of("0x0000000000000000000000000000000000000000"),
                deployer),
            addresses);
    String treasury =
        deployed(
            "VerinferTreasury",
            VerinferTreasury.deploy(web3j, admin, unusedGas, timelock, token),
            addresses);
    String params =
        deployed(
            "ProtocolParams",
            ProtocolParams.deploy(
                web3j,
                admin,
                unusedGas,
                deployer,
                treasury,
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
                deployer,
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
    progress.accept("wired UsageCounter to PaymentChannels (once: it cannot be re-bound)");
    String disputes =
        deployed(
            "DisputeManager",
            DisputeManager.deploy(web3j, admin, unusedGas, token, params, providers, channels),
            addresses);
    ProviderRegistry registry = ProviderRegistry.load(providers, web3j, admin, unusedGas);
    byte[] slasher = read("SLASHER_ROLE", () -> registry.SLASHER_ROLE().send());
    admin.send(providers, registry.grantRole(slasher, disputes).encodeFunctionCall());
    progress.accept("granted DisputeManager the slasher role");
    String oracle =
        deployed(
            "AvailabilityOracle",
            AvailabilityOracle.deploy(
                web3j,
                admin,
                unusedGas,
                timelock,
                token,
                treasury,
                BigInteger.valueOf(config.oracle().epoch().toSeconds()),
                config.oracle().params()),
            addresses);
    progress.accept("VerinferTimelock governs AvailabilityOracle's parameters");
    String reputation =
        deployed(
            "ProviderReputation",
            ProviderReputation.deploy(
                web3j, admin, unusedGas, timelock, oracle, providers, config.reputation().params()),
            addresses);
    progress.accept("VerinferTimelock governs ProviderReputation's parameters");
    admin.send(providers, registry.bindReputation(reputation).encodeFunctionCall());
    progress.accept("ProviderRegistry picks respect ProviderReputation's floor (bound once)");
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
    progress.accept("wired DisputeManager to InferenceCoordinator (once: it cannot be re-wired)");
    ProtocolParams paramsBinding = ProtocolParams.load(params, web3j, admin, unusedGas);
    admin.send(params, paramsBinding.addListener(coordinator).encodeFunctionCall());
    progress.accept("InferenceCoordinator listens to ProtocolParams changes");

    String governor =
        deployed(
            "VerinferGovernor",
            VerinferGovernor.deploy(
                web3j,
                admin,
                unusedGas,
                token,
                timelock,
                BigInteger.valueOf(gov.votingDelayBlocks()),
                BigInteger.valueOf(gov.votingPeriodBlocks()),
                BigInteger.valueOf(gov.minVotingPeriodBlocks()),
                gov.proposalThreshold().baseUnits(),
                BigInteger.valueOf(gov.quorumBps())),
            addresses);
    handOver(deployer, timelock, governor, params, providers, registry, paramsBinding);
    return new Deployment(
        admin.chainId(), rpcUrl, startBlock, deployer, treasury, addresses, List.of());
  }

  /**
   * The governor may queue and cancel on the timelock; the timelock owns ProtocolParams and
   * administers every role of ProviderRegistry; the deployer renounces what it held.
   */
  private void handOver(
      String deployer,
      String timelock,
      String governor,
      String params,
      String providers,
      ProviderRegistry registry,
      ProtocolParams paramsBinding) {
    var web3j = admin.web3j();
    VerinferTimelock lock = VerinferTimelock.load(timelock, web3j, admin, unusedGas);
    byte[] proposer = read("PROPOSER_ROLE", () -> lock.PROPOSER_ROLE().send());
    byte[] canceller = read("CANCELLER_ROLE", () -> lock.CANCELLER_ROLE().send());
    byte[] adminRole = new byte[32]; // DEFAULT_ADMIN_ROLE = 0x00
    admin.send(timelock, lock.grantRole(proposer, governor).encodeFunctionCall());
    admin.send(timelock, lock.grantRole(canceller, governor).encodeFunctionCall());
    progress.accept("VerinferGovernor proposes to and may cancel on VerinferTimelock");
    admin.send(params, paramsBinding.transferOwnership(timelock).encodeFunctionCall());
    progress.accept("VerinferTimelock owns ProtocolParams");
    admin.send(providers, registry.grantRole(adminRole, timelock).encodeFunctionCall());
    admin.send(providers, registry.renounceRole(adminRole, deployer).encodeFunctionCall());
    progress.accept(
        "VerinferTimelock administers ProviderRegistry's roles; the deployer renounced");
    admin.send(timelock, lock.renounceRole(adminRole, deployer).encodeFunctionCall());
    progress.accept("the deployer renounced VerinferTimelock's admin role: governance is sealed");
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

  private static <T> T read(String what, Callable<T> call) {
    try {
      return call.call();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new ChainException("cannot read " + what + ": " + e.getMessage(), e);
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
