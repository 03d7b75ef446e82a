package io.verinfer.chain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Type;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * Decodes revert data into {@link ContractRevertException}s using the custom errors declared in the
 * compiled contract ABIs that ship inside this jar.
 */
public final class ContractErrors {
  /**
   * The protocol's contracts, every deployment has them; their ABIs are bundled (contracts/build →
   * io/verinfer/chain/contracts).
   */
  public static final List<String> CONTRACTS =
      List.of(
          "VerinferToken",
          "ProtocolParams",
          "ModelRegistry",
          "ProviderRegistry",
          "UsageCounter",
          "PaymentChannels",
          "DisputeManager",
          "InferenceCoordinator",
          "VerinferTimelock",
          "VerinferGovernor",
          "VerinferTreasury",
          "AvailabilityOracle",
          "ProviderReputation");

  /** Example contracts dapps deploy themselves; bundled so their reverts decode too. */
  public static final List<String> EXAMPLES =
      List.of("FraudScoreConsumer", "DynamicFeePool", "TestToken");

  private static final String ERROR_STRING_SELECTOR = "0x08c379a0";
  private static final String PANIC_SELECTOR = "0x4e487b71";

  private record ErrorDef(String contract, String name, List<String> names, List<String> types) {}

  private static final ContractErrors BUNDLED = load();

  private final Map<String, ErrorDef> bySelector;

  private ContractErrors(Map<String, ErrorDef> bySelector) {
    this.bySelector = Map.copyOf(bySelector);
  }

  /** The decoder for every bundled contract ABI. */
  public static ContractErrors bundled() {
    return BUNDLED;
  }

  /** Reads an ABI resource of a bundled contract as JSON. */
  public static JsonNode abi(String contract) {
    String resource = "/io/verinfer/chain/contracts/" + contract + ".abi";
    try (InputStream in = ContractErrors.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(
            "ABI resource " + resource + " is missing: build the chain module (./mvnw install)");
      }
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }

  private static ContractErrors load() {
    Map<String, ErrorDef> map = new HashMap<>();
    for (String contract :
        java.util.stream.Stream.concat(CONTRACTS.stream(), EXAMPLES.stream()).toList()) {
      for (JsonNode entry : abi(contract)) {
        if (!"error".equals(entry.path("type").asText())) {
          continue;
        }
        List<String> names = new ArrayList<>();
        List<String> types = new ArrayList<>();
        for (JsonNode input : entry.path("inputs")) {
          names.add(input.path("name").asText());
          types.add(input.path("type").asText());
        }
        String signature = entry.path("name").asText() + "(" + String.join(",", types) + ")";
        String selector = Hash.sha3String(signature).substring(0, 10);
        map.putIfAbsent(
            selector, new ErrorDef(contract, entry.path("name").asText(), names, types));
      }
    }
    return new ContractErrors(map);
  }

  /** Decodes {@code revertData} (0x-prefixed hex); empty data gives a plain "reverted" error. */
  public ContractRevertException decode(String revertData) {
    String data = revertData == null ? "0x" : revertData.toLowerCase();
    if (data.length() < 10) {
      return new ContractRevertException("?", "Reverted", List.of(), data);
    }
    String selector = data.substring(0, 10);
    String body = "0x" + data.substring(10);
    if (selector.equals(ERROR_STRING_SELECTOR)) {
      return new ContractRevertException(
          "?", "Error", decodeArgs(List.of("message"), List.of("string"), body), data);
    }
    if (selector.equals(PANIC_SELECTOR)) {
      return new ContractRevertException(
          "?", "Panic", decodeArgs(List.of("code"), List.of("uint256"), body), data);
    }
    ErrorDef def = bySelector.get(selector);
    if (def == null) {
      return new ContractRevertException(
          "?", "UnknownError", List.of(new ContractRevertException.Argument("", "", data)), data);
    }
    return new ContractRevertException(
        def.contract(), def.name(), decodeArgs(def.names(), def.types(), body), data);
  }

  /** Whether the selector of {@code revertData} is a known custom error. */
  public Optional<String> nameOf(String revertData) {
    if (revertData == null || revertData.length() < 10) {
      return Optional.empty();
    }
    return Optional.ofNullable(bySelector.get(revertData.substring(0, 10).toLowerCase()))
        .map(ErrorDef::name);
  }

  // web3j's ABI decoder is typed with the raw Type interface; there is no generic way around it.
  @SuppressWarnings({"rawtypes", "unchecked"})
  private static List<ContractRevertException.Argument> decodeArgs(
      List<String> names, List<String> types, String body) {
    List<TypeReference<Type>> refs = new ArrayList<>();
    for (String t : types) {
      try {
        refs.add(TypeReference.makeTypeReference(t));
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException("unsupported ABI type " + t, e);
      }
    }
    List<Type> values = refs.isEmpty() ? List.of() : FunctionReturnDecoder.decode(body, refs);
    List<ContractRevertException.Argument> out = new ArrayList<>();
    for (int i = 0; i < types.size(); i++) {
      Object value = i < values.size() ? plain(values.get(i).getValue()) : null;
      out.add(new ContractRevertException.Argument(names.get(i), types.get(i), value));
    }
    return out;
  }

  private static Object plain(Object value) {
    return value instanceof byte[] bytes ? Numeric.toHexString(bytes) : value;
  }
}
