package io.verinfer.adapter;

import io.verinfer.client.InferenceException;
import io.verinfer.client.InferenceResult;
import io.verinfer.client.ProviderOffer;
import io.verinfer.client.Routing;
import io.verinfer.client.Verification;
import io.verinfer.client.VerinferClient;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.OutputComparator;
import io.verinfer.protocol.tls.TlsPin;
import io.verinfer.protocol.tls.TransportPolicy;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes the providers of a model the way a consumer reaches them: {@code GET /health} over the
 * endpoint and TLS key each registered on-chain (a provider whose key does not match is down), and
 * the {@link Canary} as a real paid call through the SDK (voucher, receipt check), its answer
 * compared with the known one within the model's tolerance. The adapter's wallet pays the canaries:
 * an honest provider cannot tell them from any other call.
 */
public final class Prober {
  private static final Logger LOG = LoggerFactory.getLogger(Prober.class);

  private final VerinferClient client;
  private final Duration timeout;
  private final boolean plainHttpAllowed;
  private final Map<Bytes32, HttpClient> pinned = new ConcurrentHashMap<>();
  private final HttpClient plain;
  private final Duration disputeEvery;
  private final Map<Address, Long> lastDispute = new ConcurrentHashMap<>();

  /**
   * @param client the adapter's own SDK client (its wallet pays the canaries)
   * @param timeout for each {@code /health} request
   * @param transport whether providers may be reached over plain HTTP (a devnet, or the operator's
   *     {@code --allow-plain-http-providers}); otherwise an http:// provider counts as down
   */
  public Prober(VerinferClient client, Duration timeout, TransportPolicy transport) {
    this(client, timeout, transport, Duration.ZERO);
  }

  /**
   * @param disputeEvery when positive, a canary answered wrongly is disputed on-chain (the canary's
   *     receipt, input and wrong output; the bond from the adapter's wallet), at most once per
   *     provider in this interval; zero: never
   */
  public Prober(
      VerinferClient client, Duration timeout, TransportPolicy transport, Duration disputeEvery) {
    this.disputeEvery = Objects.requireNonNull(disputeEvery, "disputeEvery");
    if (disputeEvery.isNegative()) {
      throw new IllegalArgumentException("disputeEvery must not be negative, got " + disputeEvery);
    }
    this.client = Objects.requireNonNull(client, "client");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
    this.plainHttpAllowed = transport.plainHttpAllowed();
    this.plain = builder().build();
  }

  private HttpClient.Builder builder() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER);
  }

  /** Every provider the chain lists for the canary's model, in the registry's order. */
  public List<ProviderProbe> probeAll(Canary canary) {
    List<ProviderProbe> out = new ArrayList<>();
    for (ProviderOffer offer : client.offers(canary.model())) {
      out.add(probe(offer, canary));
    }
    return out;
  }

  /** One provider: health first, then the canary (tried even when health failed). */
  public ProviderProbe probe(ProviderOffer offer, Canary canary) {
    List<String> notes = new ArrayList<>();
    long health = health(offer, notes);
    long t0 = System.nanoTime();
    ProviderProbe.CanaryResult result;
    long canaryMicros = -1;
    try {
      InferenceResult r =
          client.infer(
              canary.model(), canary.inputs(), Routing.only(offer.provider()), Verification.none());
      canaryMicros = (System.nanoTime() - t0) / 1000;
      var mismatch =
          OutputComparator.firstMismatch(canary.expected(), r.outputs(), canary.tolerancePpm());
      if (mismatch.isEmpty()) {
        result = ProviderProbe.CanaryResult.PASSED;
      } else {
        result = ProviderProbe.CanaryResult.WRONG;
        notes.add(
            "canary answer wrong at "
                + mismatch.get().tensor()
                + "["
                + mismatch.get().index()
                + "]: "
                + mismatch.get().reason());
        maybeDispute(offer.provider(), r, canary, notes);
      }
    } catch (InferenceException e) {
      result = ProviderProbe.CanaryResult.NO_ANSWER;
      notes.add("canary: " + e.getMessage());
    }
    ProviderProbe p =
        new ProviderProbe(
            offer.provider(),
            canary.model(),
            offer.endpoint(),
            health >= 0,
            health,
            result,
            canaryMicros,
            String.join("; ", notes));
    LOG.info(
        "probe {} model {}: up={} health={}µs canary={} ({}µs){}",
        p.provider(),
        p.model(),
        p.up(),
        p.healthMicros(),
        p.canary(),
        p.canaryMicros(),
        p.note().isEmpty() ? "" : " — " + p.note());
    return p;
  }

  /** Disputes a wrong canary answer, at most once per provider every {@code disputeEvery}. */
  private void maybeDispute(
      Address provider, InferenceResult answer, Canary canary, List<String> notes) {
    if (disputeEvery.isZero() || !answer.paid()) {
      return;
    }
    long now = System.nanoTime();
    Long last = lastDispute.get(provider);
    if (last != null && now - last < disputeEvery.toNanos()) {
      return;
    }
    lastDispute.put(provider, now);
    try {
      long id = client.dispute(answer, canary.inputs());
      notes.add("disputed on-chain: dispute " + id);
    } catch (InferenceException | IllegalArgumentException e) {
      notes.add("could not dispute: " + e.getMessage());
    }
  }

  /** The {@code /health} round trip in µs, or -1 (with a note) when it did not answer 200. */
  private long health(ProviderOffer offer, List<String> notes) {
    HttpClient http;
    boolean tls = "https".equalsIgnoreCase(offer.endpoint().getScheme());
    if (tls) {
      if (offer.tlsFingerprint().equals(Bytes32.ZERO)) {
        notes.add("https endpoint without a registered TLS key");
        return -1;
      }
      http =
          pinned.computeIfAbsent(
              offer.tlsFingerprint(),
              f -> builder().sslContext(new TlsPin(f).sslContext()).build());
    } else if (plainHttpAllowed) {
      http = plain;
    } else {
      notes.add("plain HTTP endpoint, refused outside a devnet");
      return -1;
    }
    URI uri = offer.endpoint().resolve("/health");
    try {
      // twice: the first may pay for a new connection (TCP and TLS handshakes); the second is
      // the round trip a consumer on a kept-alive connection sees
      long micros = -1;
      for (int i = 0; i < 2; i++) {
        long t0 = System.nanoTime();
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        micros = (System.nanoTime() - t0) / 1000;
        if (r.statusCode() != 200) {
          notes.add("/health answered HTTP " + r.statusCode());
          return -1;
        }
      }
      return micros;
    } catch (IOException e) {
      notes.add("/health: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      notes.add("/health: interrupted");
      return -1;
    }
  }

  /** Closes the HTTP clients (not the SDK client, which the caller owns). */
  public void close() {
    pinned.values().forEach(HttpClient::close);
    plain.close();
  }
}
