package io.verinfer.client;

import io.verinfer.chain.Deployment;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.facade.PaymentChannelsFacade.PendingWithdrawal;
import io.verinfer.chain.facade.UsageCounterFacade.Usage;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.LocalKeySigner;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.Signer;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Credentials;

/**
 * A consumer's way into the marketplace: deposit once, then buy inference per call from the staked
 * providers of a model, each call paid with a signed voucher and answered with a signed receipt
 * that this client checks before returning.
 *
 * <pre>{@code
 * try (VerinferClient client =
 *     VerinferClient.connect(deployment, credentials, stateDir, ClientOptions.defaults())) {
 *   client.deposit(TokenAmount.ofTokens("10"));
 *   InferenceResult r = client.infer(modelId, List.of(features));
 * }
 * }</pre>
 *
 * <h2>Routing and failover</h2>
 *
 * A call goes to the cheapest eligible provider, ties broken by measured latency (a provider never
 * measured counts as fastest, so each is tried). A connection failure, a timeout, a 5xx or a 429
 * (that provider's rate limit) moves the call to the next provider, up to {@link
 * ClientOptions#maxAttempts()} providers; a provider that just failed is tried after the healthy
 * ones for {@link ClientOptions#failureCooldown()}. Any other 4xx refusal is not retried elsewhere
 * ({@link ProviderRefusedException}), and neither is an answer whose receipt does not check out
 * ({@link InvalidReceiptException}).
 *
 * <h2>What a consumer can pay without a result</h2>
 *
 * Each attempt pays with its own voucher on the provider's lane: one handed back by an earlier call
 * that got no answer, else a new one, one call and one price beyond the last handed out. Calls on
 * one lane run concurrently; the provider answers each call number once, in any order ({@link
 * io.verinfer.protocol.LaneWindow}), and redeems only its newest voucher, which pays for every call
 * number up to it. A call that got its answer is never sent elsewhere, so a result is paid once. A
 * provider that refuses (4xx) keeps nothing, and the voucher serves the next call. But a provider
 * may answer and then lose its reply (the connection drops, the client times out, a 5xx after the
 * commit); the client asks the provider's lane endpoint whether that call was answered and fails
 * over, keeping the voucher for a later call if it was not. So one call costs at most one extra
 * price per provider whose reply was lost after it answered, at most {@code maxAttempts − 1} extra
 * prices in all; and a call number whose voucher was handed out but never answered (kept for reuse
 * when the client stops, or refused for its price) is paid by the newer vouchers without a result:
 * at most the calls in flight when the client stops or crashes.
 *
 * <p>Lane state is saved behind the calls ({@link LaneStore}, group-committed); after a crash a
 * client learns what it had signed beyond its last save from the providers themselves (a stale
 * refusal, then the lane endpoint, whose newest voucher it checks it signed).
 *
 * <p>Deposits are shared by all lanes; each provider bounds what it holds unredeemed by the deposit
 * it sees on-chain. One client per state directory (it is locked while the client is open).
 */
public final class VerinferClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VerinferClient.class);

  private final VerinferChain chain;
  private final StateDirLock lock;
  private final LaneStore store;
  private final ClientLanes lanes;
  private final ProviderHttp http;
  private final ProviderDirectory directory;
  private final ProviderRanking ranking;
  private final AvailabilityView availability;
  private final LaneCaller caller;
  private final TextCaller texts;
  private final Verifier verifier;
  private final ClientOptions options;
  private final AtomicBoolean closed = new AtomicBoolean();

  private VerinferClient(
      VerinferChain chain,
      Signer signer,
      StateDirLock lock,
      LaneStore store,
      ClientOptions options) {
    this.chain = chain;
    this.lock = lock;
    this.store = store;
    this.lanes = new ClientLanes(store);
    this.options = options;
    this.http =
        new ProviderHttp(
            options.timeout(),
            new io.verinfer.protocol.tls.TransportPolicy(
                chain.deployment().chainId(), options.allowPlainHttpProviders()));
    this.directory =
        new ProviderDirectory(
            chain.withRetry(io.verinfer.chain.tx.RetryPolicy.failFast()).providers(),
            options.discoveryTtl(),
            options.clock());
    this.ranking =
        new ProviderRanking(options.clock(), options.failureCooldown(), options.reputationWeight());
    this.availability =
        new AvailabilityView(
            chain.withRetry(io.verinfer.chain.tx.RetryPolicy.failFast()).oracle(),
            options.discoveryTtl(),
            options.clock());
    this.caller = new LaneCaller(signer, chain.channels().domain(), lanes, http, options.clock());
    this.verifier = new Verifier(chain, options.sampler());
    this.texts =
        new TextCaller(
            signer,
            chain.channels().domain(),
            lanes,
            http,
            caller,
            options.clock(),
            options.timeout(),
            options.discoveryTtl());
  }

  /**
   * Connects as {@code credentials} to {@code deployment}, keeping lane state in {@code stateDir}
   * (created if missing; one file per deployment).
   *
   * @throws IllegalStateException if another client has {@code stateDir} open
   */
  public static VerinferClient connect(
      Deployment deployment, Credentials credentials, Path stateDir, ClientOptions options) {
    Objects.requireNonNull(deployment, "deployment must not be null");
    Objects.requireNonNull(credentials, "credentials must not be null");
    Objects.requireNonNull(stateDir, "stateDir must not be null");
    Objects.requireNonNull(options, "options must not be null");
    StateDirLock lock = StateDirLock.acquire(stateDir);
    VerinferChain chain = null;
    try {
      chain = VerinferChain.connect(deployment, credentials);
      String file =
          "lanes-" + deployment.chainId() + "-" + chain.channels().address().value() + ".db";
      return new VerinferClient(
          chain,
          LocalKeySigner.of(credentials.getEcKeyPair()),
          lock,
          new SqliteLaneStore(stateDir.resolve(file)),
          options);
    } catch (RuntimeException e) {
      if (chain != null) {
        chain.close();
      }
      lock.close();
      throw e;
    }
  }

  /** The consumer's account: it signs vouchers and owns the deposit. */
  public Address address() {
    return chain.account();
  }

  /** Approves the PaymentChannels contract for {@code amount} and deposits it. */
  public TxResult deposit(TokenAmount amount) {
    requirePositive(amount, "deposit");
    chain.token().approve(chain.channels().address(), amount);
    return chain.channels().deposit(amount);
  }

  /** Starts a withdrawal of {@code amount}; providers may still redeem during the delay. */
  public TxResult requestWithdrawal(TokenAmount amount) {
    requirePositive(amount, "withdrawal");
    return chain.channels().requestWithdrawal(amount);
  }

  /** Completes a requested withdrawal once its delay has passed. */
  public TxResult withdraw() {
    return chain.channels().withdraw();
  }

  /** What is left of the deposit on-chain (redemptions already taken out). */
  public TokenAmount depositBalance() {
    return chain.channels().depositOf(address());
  }

  /** The pending withdrawal; its amount is zero when there is none. */
  public PendingWithdrawal pendingWithdrawal() {
    return chain.channels().withdrawalOf(address());
  }

  /** Settled calls and spend, from the consumer's Counter NFT. */
  public Usage usage() {
    return chain.counter().usageOf(address());
  }

  /** The options this client was opened with. */
  public ClientOptions options() {
    return options;
  }

  /** The providers currently offering {@code model}, cheapest first. */
  public List<ProviderOffer> offers(ModelId model) {
    return directory.offers(model);
  }

  /** Runs {@code model} on {@code inputs} at the best provider; see the class comment. */
  public InferenceResult infer(ModelId model, List<Tensor> inputs) {
    return infer(model, inputs, Routing.any());
  }

  /**
   * Runs {@code model} on {@code inputs} at the best provider {@code routing} allows.
   *
   * @throws ProviderRefusedException a provider refused the call (payment or input), charging
   *     nothing
   * @throws InvalidReceiptException a provider answered with a receipt that does not check out
   * @throws NoProviderAvailableException no provider is eligible, or every attempted one failed
   * @throws io.verinfer.chain.tx.ChainException the ProviderRegistry could not be read
   */
  public InferenceResult infer(ModelId model, List<Tensor> inputs, Routing routing) {
    return infer(model, inputs, routing, options.verification());
  }

  /**
   * {@link #infer(ModelId, List, Routing)} checked as {@code verification} says; the result's
   * {@link InferenceResult#verification()} tells what ran and what was checked, and any dispute it
   * opened.
   */
  public InferenceResult infer(
      ModelId model, List<Tensor> inputs, Routing routing, Verification verification) {
    Objects.requireNonNull(model, "model must not be null");
    Objects.requireNonNull(inputs, "inputs must not be null");
    Objects.requireNonNull(routing, "routing must not be null");
    Objects.requireNonNull(verification, "verification must not be null");
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("inputs must hold at least one tensor");
    }
    return verified(
        model, LaneCaller.Request.tensors(model, List.copyOf(inputs)), routing, verification);
  }

  /**
   * Embeds {@code texts} with a text-embedding {@code model} (OpenAI {@code /v1/embeddings} at the
   * provider), paid and checked like {@link #infer}: the receipt's input hash is keccak256 of the
   * texts as a compact JSON array, its output hash the canonical hash of the {@code embeddings}
   * tensor [texts, dimensions] the answer holds. The result's single output is that tensor.
   */
  public InferenceResult embed(ModelId model, List<String> texts) {
    return embed(model, texts, Routing.any());
  }

  /** {@link #embed(ModelId, List)} at the providers {@code routing} allows. */
  public InferenceResult embed(ModelId model, List<String> texts, Routing routing) {
    return embed(model, texts, routing, options.verification());
  }

  /** {@link #embed(ModelId, List, Routing)} checked as {@code verification} says. */
  public InferenceResult embed(
      ModelId model, List<String> texts, Routing routing, Verification verification) {
    Objects.requireNonNull(model, "model must not be null");
    Objects.requireNonNull(texts, "texts must not be null");
    Objects.requireNonNull(routing, "routing must not be null");
    Objects.requireNonNull(verification, "verification must not be null");
    if (texts.isEmpty()) {
      throw new IllegalArgumentException("texts must hold at least one text");
    }
    return verified(model, TextJson.request(model, texts), routing, verification);
  }

  /**
   * Disputes a paid answer this client knows to be wrong (its receipt, {@code inputs} as sent, the
   * outputs it got): pays the dispute bond from this wallet, opens the dispute on-chain and draws
   * its committee once the anchor block is mined. Returns the dispute id.
   *
   * @throws InferenceException when it cannot be opened (too large for on-chain, no bond, …)
   */
  public long dispute(InferenceResult answer, List<Tensor> inputs) {
    if (options.paymentOff()) {
      throw new IllegalArgumentException("unpaid answers carry no receipt to dispute");
    }
    return verifier.disputeAnswer(answer, inputs);
  }

  private InferenceResult verified(
      ModelId model, LaneCaller.Request request, Routing routing, Verification verification) {
    if (!(verification instanceof Verification.None) && options.paymentOff()) {
      throw new IllegalArgumentException(
          verification + " needs paid calls: unpaid answers carry no receipt to dispute");
    }
    return verifier.run(
        request,
        routing,
        verification,
        (r, route) -> call(model, r, route),
        () ->
            ranked(model, directory.offers(model)).stream().map(ProviderOffer::provider).toList());
  }

  /**
   * The providers a call of {@code model} tries in turn: those {@code routing} allows, best first,
   * at most {@code maxAttempts}.
   *
   * @throws NoProviderAvailableException none is eligible
   */
  private List<ProviderOffer> ranked(ModelId model, List<ProviderOffer> offers) {
    return ranking.rank(
        offers,
        availability.standings(model, offers.stream().map(ProviderOffer::provider).toList()));
  }

  /**
   * The table a router sees for {@code model}: every eligible provider, best first, with its price,
   * measured latency and what the AvailabilityOracle last said of it.
   */
  public List<RoutedProvider> routingTable(ModelId model) {
    List<ProviderOffer> offers = directory.offers(model);
    var standings =
        availability.standings(model, offers.stream().map(ProviderOffer::provider).toList());
    return ranking.rank(offers, standings).stream()
        .map(
            o ->
                new RoutedProvider(
                    o,
                    ranking.latencyOf(o.provider()),
                    standings.getOrDefault(o.provider(), AvailabilityView.Standing.UNKNOWN)))
        .toList();
  }

  /** One row of {@link #routingTable}. */
  public record RoutedProvider(
      ProviderOffer offer,
      java.util.Optional<java.time.Duration> measuredLatency,
      AvailabilityView.Standing standing) {}

  private List<ProviderOffer> toTry(ModelId model, Routing routing) {
    List<ProviderOffer> allowed =
        directory.offers(model).stream().filter(o -> routing.allows(o.provider())).toList();
    if (allowed.isEmpty()) {
      throw new NoProviderAvailableException(
          model,
          routing.only().isEmpty()
              ? "no eligible provider offers it"
              : "none of " + routing.only() + " is eligible for it",
          List.of());
    }
    List<ProviderOffer> ranked = ranked(model, allowed);
    return ranked.subList(0, Math.min(options.maxAttempts(), ranked.size()));
  }

  private InferenceResult call(ModelId model, LaneCaller.Request request, Routing routing) {
    List<ProviderOffer> tried = toTry(model, routing);
    int attempts = tried.size();
    List<ProviderUnavailableException> failures = new ArrayList<>();
    for (ProviderOffer offer : tried) {
      try {
        InferenceResult result =
            options.paymentOff() ? caller.callUnpaid(offer, request) : caller.call(offer, request);
        ranking.succeeded(offer.provider(), result.latency());
        return result;
      } catch (ProviderRefusedException e) {
        if (ErrorCode.VOUCHER_BELOW_PRICE.name().equals(e.code())) {
          directory.invalidate(model); // its price changed on-chain: the next call reads it anew
        }
        throw e;
      } catch (ProviderUnavailableException e) {
        LOG.info("failing over from {}: {}", offer.provider(), e.getMessage());
        ranking.failed(offer.provider());
        directory.invalidate(model); // it may have moved: read the registry again next time
        failures.add(e);
      }
    }
    throw new NoProviderAvailableException(
        model, "the " + attempts + " provider(s) tried all failed", failures);
  }

  /**
   * Streams a text generation from the best provider of {@code model} {@code routing} allows; see
   * {@link TextStream}. The stream is open (its prompt paid) when this returns, so refusals come
   * from here: the provider is known ({@link TextStream#provider()}) before the first token.
   *
   * <p>It goes to the cheapest eligible provider whose token quote checks out (output price = its
   * on-chain price, input price at most that); a provider that cannot be reached, answers 5xx or
   * quotes other prices is passed over for the next, up to {@link ClientOptions#maxAttempts()}.
   * Opening costs nothing: the prompt is paid only once the provider's opening event checked out. A
   * stream that broke midway is not sent elsewhere (it was paid up to its last checkpoint).
   *
   * @throws ProviderRefusedException a provider refused the request (a 4xx: e.g. prompt too long,
   *     max_tokens beyond the context, payment), charging nothing
   * @throws InvalidCheckpointException the opening does not match the request
   * @throws NoProviderAvailableException no provider is eligible, or every attempted one failed
   */
  public TextStream streamText(ModelId model, TextGeneration generation, Routing routing) {
    Objects.requireNonNull(model, "model must not be null");
    Objects.requireNonNull(generation, "generation must not be null");
    Objects.requireNonNull(routing, "routing must not be null");
    if (options.paymentOff()) {
      throw new IllegalStateException("text generation is served only paid, as streams");
    }
    TextGeneration seeded = texts.seeded(generation);
    List<ProviderOffer> tried = toTry(model, routing);
    int attempts = tried.size();
    List<ProviderUnavailableException> failures = new ArrayList<>();
    for (ProviderOffer offer : tried) {
      try {
        java.time.Instant start = options.clock().instant();
        TextStream stream = texts.open(offer, model, seeded);
        ranking.succeeded(
            offer.provider(), java.time.Duration.between(start, options.clock().instant()));
        return stream;
      } catch (ProviderUnavailableException e) {
        LOG.info("failing over from {}: {}", offer.provider(), e.getMessage());
        ranking.failed(offer.provider());
        directory.invalidate(model);
        failures.add(e);
      }
    }
    throw new NoProviderAvailableException(
        model, "the " + attempts + " provider(s) tried all failed", failures);
  }

  /** {@link #streamText(ModelId, TextGeneration, Routing)} at any provider. */
  public TextStream streamText(ModelId model, TextGeneration generation) {
    return streamText(model, generation, Routing.any());
  }

  /**
   * Generates text and waits for the whole completion (streamed from the provider and checked
   * checkpoint by checkpoint as {@link #streamText} does), verified as {@code verification} says:
   * {@code sampled(p)} and {@code redundant(k)} re-run the same seeded request on other providers
   * and compare token for token; a mismatch opens a dispute over the two final checkpoints.
   */
  public TextResult generate(
      ModelId model, TextGeneration generation, Routing routing, Verification verification) {
    Objects.requireNonNull(verification, "verification must not be null");
    TextGeneration seeded = texts.seeded(generation); // every run of a verified call: one seed
    return verifier.runText(
        model,
        seeded,
        routing,
        verification,
        (g, route) -> {
          try (TextStream stream = streamText(model, g, route)) {
            return stream.complete();
          }
        },
        () ->
            ranked(model, directory.offers(model)).stream().map(ProviderOffer::provider).toList());
  }

  /**
   * Checks a streamed result as {@code mode} says, after the fact: with probability p the same
   * request (with {@code first}'s seed) runs on another provider {@code routing} allows and the two
   * are compared token for token; a mismatch opens a dispute. For callers that stream to their
   * users first (the gateway under {@code sampled(p)}).
   */
  public TextResult check(
      ModelId model,
      TextGeneration generation,
      Routing routing,
      Verification.Sampled mode,
      TextResult first) {
    Objects.requireNonNull(first, "first must not be null");
    return verifier.sampledText(
        model,
        generation.withSeed(first.request().seed()),
        routing,
        mode,
        (g, route) -> {
          try (TextStream stream = streamText(model, g, route)) {
            return stream.complete();
          }
        },
        first);
  }

  /** {@link #generate(ModelId, TextGeneration, Routing, Verification)} with the default mode. */
  public TextResult generate(ModelId model, TextGeneration generation) {
    return generate(model, generation, Routing.any(), options.verification());
  }

  /** The newest voucher this client signed on its lane with {@code provider} for {@code model}. */
  public Optional<SignedVoucher> newestVoucher(Address provider, ModelId model) {
    return lanes.get(new LaneKey(address(), provider, model)).newestSigned();
  }

  /**
   * Vouchers whose call got no answer (refused, or the reply lost before the provider answered),
   * kept to pay for later calls on their lanes.
   */
  public List<SignedVoucher> outstanding() {
    return lanes.outstanding();
  }

  /** Closes the chain connection and the lane store and unlocks the state directory; idempotent. */
  @Override
  public void close() {
    if (closed.getAndSet(true)) {
      return;
    }
    try (lock;
        store;
        lanes;
        http;
        verifier) {
      chain.close();
    }
  }

  private static void requirePositive(TokenAmount amount, String what) {
    Objects.requireNonNull(amount, what + " amount must not be null");
    if (amount.isZero()) {
      throw new IllegalArgumentException(what + " amount must be positive");
    }
  }
}
