package io.verinfer.chain;

import io.verinfer.chain.facade.DisputeManagerFacade;
import io.verinfer.chain.facade.InferenceCoordinatorFacade;
import io.verinfer.chain.facade.ModelRegistryFacade;
import io.verinfer.chain.facade.ParamsFacade;
import io.verinfer.chain.facade.PaymentChannelsFacade;
import io.verinfer.chain.facade.ProviderRegistryFacade;
import io.verinfer.chain.facade.TokenFacade;
import io.verinfer.chain.facade.UsageCounterFacade;
import io.verinfer.chain.tx.RetryPolicy;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.protocol.Address;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;

/**
 * One account's view of a Verinfer deployment: a typed facade per contract, all sending through one
 * {@link TransactionSender}. Works against any JSON-RPC endpoint named in the {@link Deployment}.
 * {@link #as(Credentials)} gives another account's view over the same connection.
 */
public final class VerinferChain implements AutoCloseable {
  private final Deployment deployment;
  private final Web3j web3j;
  private final boolean ownsConnection;
  private final Credentials credentials;
  private final TransactionSender sender;
  private final TokenFacade token;
  private final ParamsFacade params;
  private final ModelRegistryFacade models;
  private final ProviderRegistryFacade providers;
  private final PaymentChannelsFacade channels;
  private final UsageCounterFacade counter;
  private volatile DisputeManagerFacade disputes;
  private volatile InferenceCoordinatorFacade coordinator;

  private VerinferChain(
      Deployment deployment,
      Web3j web3j,
      boolean ownsConnection,
      Credentials credentials,
      RetryPolicy retry) {
    this.deployment = deployment;
    this.web3j = web3j;
    this.ownsConnection = ownsConnection;
    this.credentials = credentials;
    this.sender = new TransactionSender(web3j, credentials, deployment.chainId(), retry);
    this.token = new TokenFacade(sender, at("VerinferToken"));
    this.params = new ParamsFacade(sender, at("ProtocolParams"));
    this.models = new ModelRegistryFacade(sender, at("ModelRegistry"));
    this.providers = new ProviderRegistryFacade(sender, at("ProviderRegistry"));
    this.channels = new PaymentChannelsFacade(sender, at("PaymentChannels"));
    this.counter = new UsageCounterFacade(sender, at("UsageCounter"));
  }

  /** Connects to the deployment's RPC URL as {@code credentials}. */
  public static VerinferChain connect(Deployment deployment, Credentials credentials) {
    return connect(deployment, credentials, RetryPolicy.defaults());
  }

  public static VerinferChain connect(
      Deployment deployment, Credentials credentials, RetryPolicy retry) {
    Web3j web3j = Web3j.build(new HttpService(deployment.rpcUrl().toString()));
    return new VerinferChain(deployment, web3j, true, credentials, retry);
  }

  /** The same deployment and connection, acting as another account. */
  public VerinferChain as(Credentials credentials) {
    return new VerinferChain(deployment, web3j, false, credentials, RetryPolicy.defaults());
  }

  /**
   * The same account and connection with another retry policy, e.g. one that fails fast for reads
   * on a request path that has a fallback.
   */
  public VerinferChain withRetry(RetryPolicy retry) {
    return new VerinferChain(deployment, web3j, false, credentials, retry);
  }

  private Address at(String contract) {
    return Address.of(deployment.address(contract));
  }

  public Deployment deployment() {
    return deployment;
  }

  public Web3j web3j() {
    return web3j;
  }

  public TransactionSender sender() {
    return sender;
  }

  /** The account this view sends from. */
  public Address account() {
    return Address.of(sender.getFromAddress());
  }

  /** The protocol's treasury (collect is open to anyone; paying out is governance's). */
  public io.verinfer.chain.facade.TreasuryFacade treasury() {
    return new io.verinfer.chain.facade.TreasuryFacade(
        sender, Address.of(deployment.address("VerinferTreasury")));
  }

  /** The latest block's timestamp (unix seconds): the chain's clock, which epochs follow. */
  public long latestTimestamp() {
    try {
      return web3j
          .ethGetBlockByNumber(org.web3j.protocol.core.DefaultBlockParameterName.LATEST, false)
          .send()
          .getBlock()
          .getTimestamp()
          .longValueExact();
    } catch (java.io.IOException e) {
      throw new io.verinfer.chain.tx.ChainException("cannot read the latest block", e);
    }
  }

  /** The availability oracle (adapters, reports, provider status) as this account. */
  public io.verinfer.chain.facade.AvailabilityOracleFacade oracle() {
    return new io.verinfer.chain.facade.AvailabilityOracleFacade(
        sender, Address.of(deployment.address("AvailabilityOracle")));
  }

  /** Provider reputation scores and Provider NFTs as this account. */
  public io.verinfer.chain.facade.ProviderReputationFacade reputation() {
    return new io.verinfer.chain.facade.ProviderReputationFacade(
        sender, Address.of(deployment.address("ProviderReputation")));
  }

  /** Governance (Governor, timelock, delegation) as this account. */
  public io.verinfer.chain.gov.Governance governance() {
    return new io.verinfer.chain.gov.Governance(sender, deployment);
  }

  public TokenFacade token() {
    return token;
  }

  public ParamsFacade params() {
    return params;
  }

  public ModelRegistryFacade models() {
    return models;
  }

  public ProviderRegistryFacade providers() {
    return providers;
  }

  public PaymentChannelsFacade channels() {
    return channels;
  }

  public UsageCounterFacade counter() {
    return counter;
  }

  /**
   * The InferenceCoordinator (on-chain requests); throws {@link IllegalArgumentException} for a
   * deployment made before it existed.
   */
  public InferenceCoordinatorFacade coordinator() {
    InferenceCoordinatorFacade c = coordinator;
    if (c == null) {
      c = new InferenceCoordinatorFacade(sender, at("InferenceCoordinator"));
      coordinator = c;
    }
    return c;
  }

  /**
   * The DisputeManager; throws {@link IllegalArgumentException} for a deployment made before it
   * existed.
   */
  public DisputeManagerFacade disputes() {
    DisputeManagerFacade d = disputes;
    if (d == null) {
      d = new DisputeManagerFacade(sender, at("DisputeManager"));
      disputes = d;
    }
    return d;
  }

  @Override
  public void close() {
    if (ownsConnection) {
      web3j.shutdown();
    }
  }
}
