package io.verinfer.chain.gov;

import io.verinfer.chain.Deployment;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.utils.Numeric;

/**
 * Builds the calls a proposal makes from named changes, and decodes any proposal's calls back into
 * them: the same table both ways, so what {@code gov status} shows is what will execute.
 */
@SuppressWarnings("rawtypes") // web3j's ABI values are the raw Type
public final class GovCalls {
  private static final String PAY = "pay";
  private static final String DELIST = "delist";

  private final Map<GovParam.Holder, Address> holders = new HashMap<>();
  private final Address treasury;
  private final Address models;
  private final Address params;
  private final Address registry;
  private final Address timelock;
  private final Map<String, Decoder> bySelector = new HashMap<>();

  private record Decoder(Address target, String name, List<TypeReference<Type>> inputs) {}

  public GovCalls(Deployment deployment) {
    for (GovParam.Holder h : GovParam.Holder.values()) {
      holders.put(h, Address.of(deployment.address(h.contract)));
    }
    treasury = Address.of(deployment.address("VerinferTreasury"));
    models = Address.of(deployment.address("ModelRegistry"));
    params = holders.get(GovParam.Holder.PARAMS);
    registry = Address.of(deployment.address("ProviderRegistry"));
    timelock = holders.get(GovParam.Holder.TIMELOCK);
    for (GovParam p : GovParam.values()) {
      if (p == GovParam.CHALLENGER_REWARD_BPS || p == GovParam.VOTER_REWARD_BPS) continue;
      register(holders.get(p.holder), p.setter, List.of(p.kind.solidityType));
    }
    register(holders.get(GovParam.Holder.PARAMS), "setRewardShares", List.of("uint16", "uint16"));
    register(treasury, PAY, List.of("address", "uint256", "string"));
    register(models, DELIST, List.of("uint64", "string"));
    register(params, "addListener", List.of("address"));
    register(params, "removeListener", List.of("address"));
    for (Address roles : List.of(registry, timelock)) {
      register(roles, "grantRole", List.of("bytes32", "address"));
      register(roles, "revokeRole", List.of("bytes32", "address"));
    }
  }

  /** ProtocolParams starts telling {@code listener} of every change. */
  public GovAction addListener(Address listener) {
    return action(
        params,
        "addListener",
        List.of(new org.web3j.abi.datatypes.Address(listener.value())),
        "add ProtocolParams listener " + listener.value());
  }

  /** ProtocolParams stops telling {@code listener} of changes. */
  public GovAction removeListener(Address listener) {
    return action(
        params,
        "removeListener",
        List.of(new org.web3j.abi.datatypes.Address(listener.value())),
        "remove ProtocolParams listener " + listener.value());
  }

  /**
   * Grants {@code role} (e.g. {@code SLASHER_ROLE}) on ProviderRegistry or the timelock. A slasher
   * granted by governance acts only after {@code longestUnbondingDelay}.
   */
  public GovAction grantRole(Address contract, byte[] role, Address account) {
    return roleCall("grantRole", contract, role, account);
  }

  public GovAction revokeRole(Address contract, byte[] role, Address account) {
    return roleCall("revokeRole", contract, role, account);
  }

  private GovAction roleCall(String name, Address contract, byte[] role, Address account) {
    if (!contract.equals(registry) && !contract.equals(timelock)) {
      throw new IllegalArgumentException(contract.value() + " has no governed roles");
    }
    return action(
        contract,
        name,
        List.of(
            new org.web3j.abi.datatypes.generated.Bytes32(role),
            new org.web3j.abi.datatypes.Address(account.value())),
        roleMeaning(name, contract, role, account.value()));
  }

  private String roleMeaning(String name, Address contract, byte[] role, String account) {
    String where = contract.equals(registry) ? "ProviderRegistry" : "VerinferTimelock";
    String verb = name.equals("grantRole") ? "grant " : "revoke ";
    return verb
        + roleName(role)
        + " on "
        + where
        + (name.equals("grantRole") ? " to " : " from ")
        + account;
  }

  private static String roleName(byte[] role) {
    for (String n : List.of("SLASHER_ROLE", "PROPOSER_ROLE", "EXECUTOR_ROLE", "CANCELLER_ROLE")) {
      if (java.util.Arrays.equals(
          role, org.web3j.crypto.Hash.sha3(n.getBytes(java.nio.charset.StandardCharsets.UTF_8)))) {
        return n;
      }
    }
    return java.util.Arrays.equals(role, new byte[32])
        ? "DEFAULT_ADMIN_ROLE"
        : "role " + Numeric.toHexString(role);
  }

  /** The call that sets {@code param} to {@code value} (not the reward shares: see below). */
  public GovAction set(GovParam param, BigInteger value) {
    if (param == GovParam.CHALLENGER_REWARD_BPS || param == GovParam.VOTER_REWARD_BPS) {
      throw new IllegalArgumentException(
          param.key + " is set together with its pair: use rewardShares(challenger, voter)");
    }
    GovValue.checkFits(param, value);
    return action(
        holders.get(param.holder),
        param.setter,
        List.of(abiValue(param.kind.solidityType, value)),
        "set " + param.key + " = " + GovValue.format(param, value));
  }

  /** The call that sets both shares of a slash (challenger's and majority voters'). */
  public GovAction rewardShares(BigInteger challengerBps, BigInteger voterBps) {
    GovValue.checkFits(GovParam.CHALLENGER_REWARD_BPS, challengerBps);
    GovValue.checkFits(GovParam.VOTER_REWARD_BPS, voterBps);
    return action(
        holders.get(GovParam.Holder.PARAMS),
        "setRewardShares",
        List.of(abiValue("uint16", challengerBps), abiValue("uint16", voterBps)),
        "set challengerRewardBps = "
            + GovValue.format(GovParam.CHALLENGER_REWARD_BPS, challengerBps)
            + ", voterRewardBps = "
            + GovValue.format(GovParam.VOTER_REWARD_BPS, voterBps));
  }

  /** A grant: the treasury pays {@code amount} VRF to {@code to}. */
  public GovAction grant(Address to, TokenAmount amount, String memo) {
    return action(
        treasury,
        PAY,
        List.of(
            new org.web3j.abi.datatypes.Address(to.value()),
            new Uint256(amount.baseUnits()),
            new Utf8String(memo)),
        "pay " + amount.toTokens() + " VRF from the treasury to " + to.value() + memoText(memo));
  }

  /** Takes model {@code modelId} off the market for abuse. */
  public GovAction delist(long modelId, String reason) {
    return action(
        models,
        DELIST,
        List.of(new Uint64(modelId), new Utf8String(reason)),
        "delist model " + modelId + memoText(reason));
  }

  /**
   * The calls for a list of {@code NAME=VALUE} changes, in order. The two reward shares become one
   * call; a share not given keeps its current value ({@code current} reads it).
   */
  public List<GovAction> changes(List<String> sets, Function<GovParam, BigInteger> current) {
    Map<GovParam, BigInteger> parsed = new LinkedHashMap<>();
    for (String set : sets) {
      int eq = set.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(
            "--set: '"
                + set
                + "' is not NAME=VALUE (names: "
                + String.join(", ", GovParam.keys())
                + ")");
      }
      String name = set.substring(0, eq);
      GovParam param =
          GovParam.byKey(name)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "--set: no parameter named '"
                              + name
                              + "' (names: "
                              + String.join(", ", GovParam.keys())
                              + ")"));
      if (parsed.containsKey(param)) {
        throw new IllegalArgumentException("--set: " + param.key + " is given twice");
      }
      parsed.put(param, GovValue.parse(param, set.substring(eq + 1)));
    }
    List<GovAction> out = new ArrayList<>();
    boolean sharesDone = false;
    for (var e : parsed.entrySet()) {
      GovParam p = e.getKey();
      if (p == GovParam.CHALLENGER_REWARD_BPS || p == GovParam.VOTER_REWARD_BPS) {
        if (sharesDone) continue;
        sharesDone = true;
        BigInteger c =
            parsed.getOrDefault(
                GovParam.CHALLENGER_REWARD_BPS, current.apply(GovParam.CHALLENGER_REWARD_BPS));
        BigInteger v =
            parsed.getOrDefault(
                GovParam.VOTER_REWARD_BPS, current.apply(GovParam.VOTER_REWARD_BPS));
        out.add(rewardShares(c, v));
      } else {
        out.add(set(p, e.getValue()));
      }
    }
    return out;
  }

  /** What a call of a proposal does, in words; a call this table does not know says so. */
  public String decode(Address target, BigInteger value, byte[] calldata) {
    String prefix = value.signum() == 0 ? "" : "send " + value + " wei and ";
    if (calldata.length < 4) {
      return prefix
          + "call "
          + target.value()
          + " with no function ("
          + calldata.length
          + " bytes)";
    }
    String selector = Numeric.toHexString(calldata, 0, 4, true);
    Decoder d = bySelector.get(selector);
    if (d == null || !d.target.equals(target)) {
      return prefix
          + "unknown call "
          + selector
          + " to "
          + target.value()
          + " ("
          + calldata.length
          + " bytes): not a Verinfer parameter, grant or delisting — read it before you vote";
    }
    String args = Numeric.toHexString(calldata, 4, calldata.length - 4, false);
    List<Type> values = FunctionReturnDecoder.decode(args, d.inputs);
    return prefix + meaning(d.name, target, values);
  }

  private String meaning(String name, Address target, List<Type> v) {
    switch (name) {
      case "setRewardShares":
        return rewardShares((BigInteger) v.get(0).getValue(), (BigInteger) v.get(1).getValue())
            .meaning();
      case PAY:
        return "pay "
            + TokenAmount.of((BigInteger) v.get(1).getValue()).toTokens()
            + " VRF from the treasury to "
            + v.get(0).getValue()
            + memoText((String) v.get(2).getValue());
      case DELIST:
        return "delist model " + v.get(0).getValue() + memoText((String) v.get(1).getValue());
      case "addListener":
        return "add ProtocolParams listener " + v.get(0).getValue();
      case "removeListener":
        return "remove ProtocolParams listener " + v.get(0).getValue();
      case "grantRole", "revokeRole":
        return roleMeaning(
            name, target, (byte[]) v.get(0).getValue(), (String) v.get(1).getValue());
      default:
        for (GovParam p : GovParam.values()) {
          if (p.setter.equals(name) && holders.get(p.holder).equals(target)) {
            Object raw = v.get(0).getValue();
            BigInteger n =
                raw instanceof BigInteger b ? b : new BigInteger(((String) raw).substring(2), 16);
            return "set " + p.key + " = " + GovValue.format(p, n);
          }
        }
        throw new IllegalStateException("no parameter for " + name);
    }
  }

  private static String memoText(String memo) {
    return memo == null || memo.isBlank() ? "" : " (\"" + memo + "\")";
  }

  @SuppressWarnings("unchecked")
  private void register(Address target, String name, List<String> types) {
    List<TypeReference<Type>> inputs = new ArrayList<>();
    for (String t : types) {
      try {
        inputs.add((TypeReference<Type>) (TypeReference<?>) TypeReference.makeTypeReference(t));
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException("unknown ABI type " + t, e);
      }
    }
    String signature = name + "(" + String.join(",", types) + ")";
    String selector =
        Numeric.toHexString(
            org.web3j.crypto.Hash.sha3(signature.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
            0,
            4,
            true);
    bySelector.put(selector, new Decoder(target, name, inputs));
  }

  private static GovAction action(Address target, String name, List<Type> args, String meaning) {
    String data =
        FunctionEncoder.encode(new org.web3j.abi.datatypes.Function(name, args, List.of()));
    return new GovAction(target, BigInteger.ZERO, Numeric.hexStringToByteArray(data), meaning);
  }

  private static Type abiValue(String type, BigInteger value) {
    return switch (type) {
      case "address" -> new org.web3j.abi.datatypes.Address(String.format("0x%040x", value));
      case "uint8" -> new org.web3j.abi.datatypes.generated.Uint8(value);
      case "uint16" -> new org.web3j.abi.datatypes.generated.Uint16(value);
      case "uint32" -> new org.web3j.abi.datatypes.generated.Uint32(value);
      case "uint48" -> new org.web3j.abi.datatypes.generated.Uint48(value);
      case "uint64" -> new Uint64(value);
      case "uint128" -> new org.web3j.abi.datatypes.generated.Uint128(value);
      case "uint256" -> new Uint256(value);
      default -> throw new IllegalArgumentException("unsupported type " + type);
    };
  }
}
