package io.verinfer.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verinfer.chain.facade.AvailabilityOracleFacade.SignedObservation;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.Signature;
import io.verinfer.protocol.SignatureVerifier;
import io.verinfer.protocol.oracle.Figures;
import io.verinfer.protocol.oracle.Observation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The adapter's own signed observations of recent epochs, which the other adapters fetch ({@code
 * GET /observations/{model}/{epoch}}) to assemble a report, and the JSON they travel in. Integrity
 * comes from the EIP-712 signature, not the transport: a peer checks every observation it fetches
 * ({@link #fromJson}) before it puts it into a report.
 */
public final class ObservationBook {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Epochs kept per model: a report is only ever made for the epoch just ended. */
  static final int KEEP = 4;

  private record Key(long model, long epoch) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      int c = Long.compare(model, o.model);
      return c != 0 ? c : Long.compare(epoch, o.epoch);
    }
  }

  private final ConcurrentSkipListMap<Key, SignedObservation> book = new ConcurrentSkipListMap<>();

  public void put(SignedObservation s) {
    long model = s.observation().modelId();
    long epoch = s.observation().epoch();
    book.put(new Key(model, epoch), s);
    book.headMap(new Key(model, epoch - KEEP + 1)).keySet().removeIf(k -> k.model() == model);
  }

  public Optional<SignedObservation> get(long model, long epoch) {
    return Optional.ofNullable(book.get(new Key(model, epoch)));
  }

  public static String toJson(SignedObservation s) {
    ObjectNode o = JSON.createObjectNode();
    Observation ob = s.observation();
    o.put("adapter", s.adapter().value());
    o.put("modelId", ob.modelId());
    o.put("epoch", ob.epoch());
    var providers = o.putArray("providers");
    ob.providers().forEach(p -> providers.add(p.value()));
    var values = o.putArray("values");
    for (Figures f : ob.values()) {
      values
          .addObject()
          .put("uptimeBps", f.uptimeBps())
          .put("latencyMs", f.latencyMs())
          .put("canaryBps", f.canaryBps());
    }
    o.put("signature", org.web3j.utils.Numeric.toHexString(s.signature().toBytes65()));
    return o.toString();
  }

  /**
   * Parses a peer's observation and checks it: the model and epoch asked for, and a signature by
   * the adapter it names over exactly these figures in {@code domain}.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static SignedObservation fromJson(
      String body, long model, long epoch, Eip712Domain domain) {
    JsonNode o;
    try {
      o = JSON.readTree(body);
    } catch (Exception e) {
      throw new IllegalArgumentException("observation: not JSON: " + e.getMessage());
    }
    if (o.path("modelId").asLong(-1) != model || o.path("epoch").asLong(-1) != epoch) {
      throw new IllegalArgumentException(
          "observation: modelId/epoch are not " + model + "/" + epoch);
    }
    Address adapter = Address.of(o.path("adapter").asText());
    List<Address> providers = new ArrayList<>();
    o.path("providers").forEach(p -> providers.add(Address.of(p.asText())));
    List<Figures> values = new ArrayList<>();
    o.path("values")
        .forEach(
            v ->
                values.add(
                    new Figures(
                        v.path("uptimeBps").asInt(-1),
                        v.path("latencyMs").asLong(-1),
                        v.path("canaryBps").asInt(-1))));
    Observation ob = new Observation(model, epoch, providers, values);
    Signature sig =
        Signature.fromBytes65(
            org.web3j.utils.Numeric.hexStringToByteArray(o.path("signature").asText()));
    Address signer = SignatureVerifier.recover(ob.digest(domain), sig).orElse(Address.ZERO);
    if (!signer.equals(adapter)) {
      throw new IllegalArgumentException(
          "observation: signed by " + signer + ", not by " + adapter);
    }
    return new SignedObservation(adapter, ob, sig);
  }

  /** For the HTTP route: the JSON of (model, epoch), if this adapter signed one. */
  Optional<String> json(long model, long epoch) {
    return get(model, epoch).map(ObservationBook::toJson);
  }
}
