package io.verinfer.node;

import io.verinfer.chain.VerinferChain;
import io.verinfer.node.api.ModelCatalog;
import io.verinfer.node.disputes.CommitteeDuty;
import io.verinfer.node.disputes.DutySettings;
import io.verinfer.node.disputes.Reexecutor;
import io.verinfer.node.ledger.SqliteVoucherLedger;
import io.verinfer.node.metrics.NodeMetrics;
import io.verinfer.node.onchain.OnchainSettings;
import io.verinfer.node.onchain.RequestWatcher;
import io.verinfer.node.payment.DepositView;
import io.verinfer.node.payment.Settler;
import io.verinfer.node.payment.TermsGuard;
import io.verinfer.node.payment.VoucherGate;
import io.verinfer.node.payment.WithdrawalWatcher;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.LocalKeySigner;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.runtime.InferenceEngine;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * The chain side of a paid provider node: stakes and registers when needed, offers each served
 * model at its price, checks vouchers ({@link VoucherGate}), keeps them ({@link
 * SqliteVoucherLedger}) and redeems them ({@link Settler}, {@link WithdrawalWatcher}).
 */
final class PaidMode implements AutoCloseable {
  /**
   * How long before a worse change of a model's terms takes effect the node stops taking vouchers
   * for it: five settlement intervals (2 min), so what it holds is redeemed at the old split.
   */
  static final Duration TERMS_MARGIN = Duration.ofMinutes(10);

  private final VerinferChain chain;
  private final SqliteVoucherLedger ledger;
  private final VoucherGate gate;
  private final TermsGuard terms;
  private static final org.slf4j.Logger LOG_GOV =
      org.slf4j.LoggerFactory.getLogger(io.verinfer.node.payment.GovernanceWatcher.class);
  private volatile io.verinfer.node.payment.GovernanceWatcher governance;
  private final Settler settler;
  private final Map<String, VoucherGate.Offer> offers = new ConcurrentHashMap<>();
  private final Map<String, io.verinfer.node.payment.TextPaymentRules.Offer> textOffers =
      new ConcurrentHashMap<>();
  private final io.verinfer.node.payment.TextPaymentRules textRules;
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
  private final PaidSettings settings;
  private WithdrawalWatcher watcher;
  private CommitteeDuty duty;
  private RequestWatcher requests;

  PaidMode(PaidSettings settings) {
    this.settings = settings;
    this.chain = VerinferChain.connect(settings.deployment(), settings.wallet());
    this.ledger = new SqliteVoucherLedger(settings.ledgerFile());
    LocalKeySigner signer = LocalKeySigner.of(settings.wallet().getEcKeyPair());
    this.terms =
        new TermsGuard(
            TermsGuard.fromChain(
                chain.withRetry(io.verinfer.chain.tx.RetryPolicy.failFast()).models()),
            Clock.systemUTC(),
            TERMS_MARGIN,
            Duration.ofSeconds(30));
    DepositView deposits =
        DepositView.cached(
            chain.withRetry(io.verinfer.chain.tx.RetryPolicy.failFast()).channels(),
            Duration.ofSeconds(2),
            Clock.systemUTC());
    this.gate =
        new VoucherGate(
            signer,
            chain.channels().domain(),
            ledger,
            deposits,
            name -> Optional.ofNullable(offers.get(name)),
            terms);
    this.textRules =
        new io.verinfer.node.payment.TextPaymentRules(
            signer,
            chain.channels().domain(),
            ledger,
            deposits,
            textOffers,
            settings.text().rules());
    this.settler = new Settler(ledger, chain.channels(), settings.settlement(), Clock.systemUTC());
  }

  VoucherGate gate() {
    return gate;
  }

  /** The payment rules of text streams (one per node: the lanes' windows are shared). */
  io.verinfer.node.payment.TextPaymentRules textRules() {
    return textRules;
  }

  /**
   * Offers a served text model: finds its on-chain id by CID, offers it at the output token price,
   * quotes the input price, aliases the id.
   */
  void offerText(
      String name,
      Cid cid,
      io.verinfer.protocol.text.TextPrice price,
      io.verinfer.node.api.TextCatalog catalog) {
    ModelId id =
        chain
            .models()
            .idOf(cid)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "text model "
                            + name
                            + " ("
                            + cid
                            + ") is not published on this chain; publish it"
                            + " first with `verinfer model publish`"));
    terms.accept(id);
    textOffers.put(name, new io.verinfer.node.payment.TextPaymentRules.Offer(id, price));
    catalog.alias(Long.toString(id.value()), name);
  }

  SqliteVoucherLedger ledger() {
    return ledger;
  }

  Settler settler() {
    return settler;
  }

  VerinferChain chain() {
    return chain;
  }

  /** The chain id the RPC endpoint answers, which may differ from the deployment file's. */
  long rpcChainId() {
    try {
      var answer = chain.web3j().ethChainId().send();
      if (answer.hasError()) {
        throw new IllegalStateException("eth_chainId failed: " + answer.getError().getMessage());
      }
      return answer.getChainId().longValueExact();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot ask the chain for its id", e);
    }
  }

  /**
   * Governance raised the minimum stake: top up now, or say loudly why not (the node keeps serving
   * what it can; it is no longer eligible for new work until its stake is back above it).
   */
  private void topUpForGovernance() {
    try {
      ensureStake(m -> LOG_GOV.info("{} (governance raised the minimum)", m));
    } catch (RuntimeException e) {
      LOG_GOV.error(
          "governance raised the minimum stake and this node cannot top up ({}): it is not"
              + " eligible for new work until it stakes more",
          e.getMessage());
    }
  }

  /** Stakes up to the minimum if short. */
  synchronized void ensureStake(Consumer<String> progress) {
    TokenAmount min = chain.params().minProviderStake();
    TokenAmount have = chain.providers().stakeOf(chain.account());
    if (have.compareTo(min) < 0) {
      TokenAmount missing = min.minus(have);
      chain.token().approve(chain.providers().address(), missing);
      chain.providers().stake(missing);
      progress.accept("staked " + missing + " base units (minimum " + min + ")");
    }
  }

  /** Offers a served model: finds its on-chain id by CID, sets the price, aliases the id. */
  void offer(String name, Cid cid, TokenAmount price, ModelCatalog catalog) {
    ModelId id =
        chain
            .models()
            .idOf(cid)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "model "
                            + name
                            + " ("
                            + cid
                            + ") is not published on this chain; publish it"
                            + " first with `verinfer model publish`"));
    terms.accept(id);
    offers.put(name, new VoucherGate.Offer(id, price));
    catalog.alias(Long.toString(id.value()), name);
  }

  /** The served name of an on-chain model id, if this node offers that model. */
  Optional<String> servedName(ModelId id) {
    return offers.entrySet().stream()
        .filter(e -> e.getValue().modelId().equals(id))
        .map(Map.Entry::getKey)
        .findFirst();
  }

  /**
   * Starts the committee duty unless the settings turn it off; call after {@link #announce}, once
   * the node's models are offered.
   */
  void startCommitteeDuty(Reexecutor reexecutor, NodeMetrics metrics, Consumer<String> progress) {
    DutySettings dutySettings = settings.committeeDuty();
    if (!dutySettings.enabled()) {
      progress.accept(
          "committee duty off: this node casts no votes in disputes and is penalised when drawn");
      return;
    }
    duty = CommitteeDuty.start(chain, reexecutor, dutySettings, metrics);
    progress.accept("committee duty on (votes and salts kept in " + dutySettings.stateFile() + ")");
  }

  /**
   * Starts fulfilling on-chain requests unless the settings turn it off or the deployment has no
   * InferenceCoordinator; call after {@link #announce}, once the node's models are offered.
   */
  void startOnchainRequests(
      InferenceEngine engine, NodeMetrics metrics, Consumer<String> progress) {
    OnchainSettings onchain = settings.onchainRequests();
    if (!onchain.enabled()) {
      progress.accept("on-chain requests off: requests assigned to this node will time out");
      return;
    }
    if (!settings.deployment().contracts().containsKey("InferenceCoordinator")) {
      progress.accept("on-chain requests off: this deployment has no InferenceCoordinator");
      return;
    }
    requests = RequestWatcher.start(chain, engine, this::servedName, onchain, metrics);
    progress.accept("on-chain requests on (state kept in " + onchain.stateFile() + ")");
  }

  /** The on-chain request watcher, when it runs. */
  Optional<RequestWatcher> onchainRequests() {
    return Optional.ofNullable(requests);
  }

  /** The committee duty, when it runs. */
  Optional<CommitteeDuty> committeeDuty() {
    return Optional.ofNullable(duty);
  }

  /**
   * Registers (or updates) the public endpoint with its TLS key pin ({@code Bytes32.ZERO} for plain
   * HTTP), then starts settling. A changed key or endpoint is one {@code updateEndpoint}.
   */
  void announce(String endpoint, Bytes32 tlsFingerprint, Consumer<String> progress)
      throws java.io.IOException {
    var me = chain.providers().provider(chain.account());
    String key =
        tlsFingerprint.equals(Bytes32.ZERO) ? "no TLS key" : "TLS key sha256/" + tlsFingerprint;
    if (!me.registered()) {
      chain.providers().register(endpoint, tlsFingerprint);
      progress.accept("registered " + chain.account() + " at " + endpoint + " (" + key + ")");
    } else if (!me.endpoint().equals(endpoint) || !me.tlsFingerprint().equals(tlsFingerprint)) {
      chain.providers().updateEndpoint(endpoint, tlsFingerprint);
      progress.accept("updated endpoint to " + endpoint + " (" + key + ")");
    }
    // offering needs a registered provider
    for (var e : offers.entrySet()) {
      if (!chain
          .providers()
          .priceOf(chain.account(), e.getValue().modelId())
          .equals(e.getValue().pricePerCall())) {
        chain.providers().setModel(e.getValue().modelId(), e.getValue().pricePerCall());
      }
    }
    for (var e : textOffers.values()) {
      if (!chain.providers().priceOf(chain.account(), e.modelId()).equals(e.price().output())) {
        chain.providers().setModel(e.modelId(), e.price().output());
      }
    }
    long head = chain.web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
    watcher =
        new WithdrawalWatcher(
            chain.web3j(), chain.channels().address().value(), head, 0, settler, scheduler);
    watcher.start();
    governance =
        new io.verinfer.node.payment.GovernanceWatcher(
            chain.web3j(),
            chain.deployment(),
            head,
            this::topUpForGovernance,
            settler::settleAll,
            () -> java.math.BigInteger.valueOf(chain.params().protocolFeeBps()),
            scheduler);
    governance.start();
    settler.start(scheduler);
  }

  /** Follows governance (null until {@link #announce}). */
  io.verinfer.node.payment.GovernanceWatcher governance() {
    return governance;
  }

  @Override
  public void close() {
    if (requests != null) {
      requests.close();
    }
    if (duty != null) {
      duty.close();
    }
    if (watcher != null) {
      watcher.close();
    }
    if (governance != null) {
      governance.close();
    }
    settler.close();
    scheduler.shutdownNow();
    ledger.close();
    chain.close();
  }
}
