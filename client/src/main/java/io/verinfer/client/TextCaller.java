package io.verinfer.client;

import io.verinfer.client.ProviderHttp.StreamReply;
import io.verinfer.client.V2Json.NodeError;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.Signer;
import io.verinfer.protocol.text.TextPrice;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;

/**
 * Opens paid text streams at one provider: checks its token quote against the chain, opens the
 * stream with the lane's newest voucher (which pays nothing new), reads the opening event and pays
 * the prompt through the lane's {@link LanePayer}. The {@link TextStream} does the rest.
 */
final class TextCaller {
  private record QuoteKey(Address provider, ModelId model) {}

  /** A provider's checked token prices for a model, and the model's context length if it says. */
  record Terms(TextPrice price, java.util.OptionalInt contextLength) {}

  private record CachedQuote(Terms terms, Instant until) {}

  private final Signer signer;
  private final Eip712Domain domain;
  private final ClientLanes lanes;
  private final ProviderHttp http;
  private final LaneCaller lanesCaller;
  private final Clock clock;
  private final Duration timeout;
  private final Duration quoteTtl;
  private final RandomGenerator seeds = new SecureRandom();
  private final Map<LaneKey, LanePayer> payers = new ConcurrentHashMap<>();
  private final Map<QuoteKey, CachedQuote> quotes = new ConcurrentHashMap<>();

  TextCaller(
      Signer signer,
      Eip712Domain domain,
      ClientLanes lanes,
      ProviderHttp http,
      LaneCaller lanesCaller,
      Clock clock,
      Duration timeout,
      Duration quoteTtl) {
    this.signer = signer;
    this.domain = domain;
    this.lanes = lanes;
    this.http = http;
    this.lanesCaller = lanesCaller;
    this.clock = clock;
    this.timeout = timeout;
    this.quoteTtl = quoteTtl;
  }

  /** {@code g} with a seed: its own, or one drawn now. */
  TextGeneration seeded(TextGeneration g) {
    if (g.seed().isPresent()) {
      return g;
    }
    long seed;
    synchronized (seeds) {
      seed = seeds.nextLong() & Long.MAX_VALUE;
    }
    return g.withSeed(seed);
  }

  /**
   * The provider's token prices for {@code model}, checked: output = its on-chain offer price,
   * input at most that.
   *
   * @throws ProviderUnavailableException it quotes none, or prices the client does not accept
   */
  Terms terms(ProviderOffer offer, ModelId model) throws InterruptedException {
    QuoteKey key = new QuoteKey(offer.provider(), model);
    CachedQuote cached = quotes.get(key);
    Instant now = clock.instant();
    if (cached != null
        && now.isBefore(cached.until())
        && cached.terms().price().output().equals(offer.price())) {
      return cached.terms();
    }
    Optional<TextWire.Quote> quote;
    try {
      quote = TextWire.quote(http.getJson(offer, "/v1/models"), model);
    } catch (IOException | IllegalArgumentException e) {
      throw new ProviderUnavailableException(
          offer.provider(), "cannot read its token prices from /v1/models: " + e.getMessage(), e);
    }
    if (quote.isEmpty()) {
      throw new ProviderUnavailableException(
          offer.provider(), "its /v1/models quotes no token prices for model " + model, null);
    }
    TextWire.Quote q = quote.get();
    if (!q.output().equals(offer.price())) {
      throw new ProviderUnavailableException(
          offer.provider(),
          "quotes "
              + q.output()
              + " per output token but offers model "
              + model
              + " on-chain at "
              + offer.price()
              + "; refusing it",
          null);
    }
    if (q.input().compareTo(q.output()) > 0) {
      throw new ProviderUnavailableException(
          offer.provider(),
          "quotes "
              + q.input()
              + " per input token, above its output price "
              + q.output()
              + "; refusing it",
          null);
    }
    Terms terms = new Terms(new TextPrice(q.input(), q.output()), q.contextLength());
    quotes.put(key, new CachedQuote(terms, now.plus(quoteTtl)));
    return terms;
  }

  /**
   * Opens a stream of {@code g} (seeded) at {@code offer}, once its opening event checked out and
   * the prompt is paid for.
   *
   * @throws ProviderRefusedException a 4xx: the request or the voucher refused; charges nothing
   * @throws ProviderUnavailableException no answer, a 5xx, a quote the client refuses; charges
   *     nothing
   * @throws InvalidCheckpointException the opening event is not what the client asked for
   */
  TextStream open(ProviderOffer offer, ModelId model, TextGeneration g) {
    try {
      Terms terms = terms(offer, model);
      LaneKey key = new LaneKey(signer.address(), offer.provider(), model);
      LanePayer payer =
          payers.computeIfAbsent(
              key, k -> new LanePayer(lanes.get(k), lanes, signer, domain, http));
      for (int attempt = 0; ; attempt++) {
        SignedVoucher opening = payer.open(offer);
        Instant start = clock.instant();
        StreamReply reply;
        try {
          reply =
              http.stream(
                  offer,
                  g.path(),
                  PaymentHeaders.encode(opening),
                  TextWire.body(model, g, g.seed().orElseThrow()));
        } catch (IOException e) {
          payer.opened(false);
          throw new ProviderUnavailableException(
              offer.provider(), "no answer from " + offer.endpoint() + " (" + e + ")", e);
        }
        payer.opened(reply.status() == 200);
        if (reply.status() != 200) {
          InferenceException failure = refusal(offer, model, reply);
          if (attempt == 0
              && failure instanceof ProviderRefusedException r
              && ErrorCode.STALE_VOUCHER.name().equals(r.code())) {
            // the provider holds a newer voucher of ours than we remember (state lost): learn it
            lanesCaller.learn(offer, payer.lane(), false);
            continue;
          }
          throw failure;
        }
        return TextStream.open(
            new TextStream.Setup(
                offer, model, g, terms, payer, domain, signer.address(), clock, timeout, start),
            reply.lines());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InferenceException("interrupted while calling provider " + offer.provider(), e);
    }
  }

  private static InferenceException refusal(ProviderOffer offer, ModelId model, StreamReply reply) {
    Optional<NodeError> error = V2Json.error(reply.errorBody());
    String code = error.map(NodeError::code).orElse("HTTP_" + reply.status());
    String message = error.map(NodeError::message).orElse(reply.errorBody());
    // a 5xx, or a 429 (this provider's own limit): another provider may well answer
    if (reply.status() >= 500 || reply.status() == 429) {
      return new ProviderUnavailableException(
          offer.provider(), "HTTP " + reply.status() + " " + code + ": " + message, null);
    }
    if (reply.status() == 404 && ErrorCode.UNKNOWN_MODEL.name().equals(code)) {
      return new ProviderUnavailableException(
          offer.provider(), "does not serve model " + model + ": " + message, null);
    }
    return new ProviderRefusedException(
        offer.provider(), reply.status(), code, error.map(NodeError::field).orElse(null), message);
  }
}
