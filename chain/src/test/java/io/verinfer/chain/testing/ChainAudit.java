package io.verinfer.chain.testing;

import io.verinfer.chain.Deployment;
import io.verinfer.protocol.Address;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Hash;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.utils.Numeric;

/**
 * Who holds which power over a deployment, read from the chain alone: every {@code RoleGranted} /
 * {@code RoleRevoked} and {@code OwnershipTransferred} event any deployed contract emitted since
 * the deployment started, replayed in order, and plain {@code eth_call}s to check the replay
 * against {@code hasRole} and {@code owner()}. Nothing here trusts the deployer's own account of
 * what it did.
 */
public final class ChainAudit {
  /** {@code DEFAULT_ADMIN_ROLE}: 32 zero bytes. */
  public static final String DEFAULT_ADMIN_ROLE = Numeric.toHexString(new byte[32]);

  private static final String ROLE_GRANTED =
      EventEncoder.buildEventSignature("RoleGranted(bytes32,address,address)");
  private static final String ROLE_REVOKED =
      EventEncoder.buildEventSignature("RoleRevoked(bytes32,address,address)");
  private static final String OWNERSHIP_TRANSFERRED =
      EventEncoder.buildEventSignature("OwnershipTransferred(address,address)");
  private static final List<String> KNOWN_ROLES =
      List.of("SLASHER_ROLE", "PROPOSER_ROLE", "EXECUTOR_ROLE", "CANCELLER_ROLE");

  /**
   * What the events of one contract say: role (hex) → current holders, every account that ever held
   * each role, and the owner after the last ownership transfer (empty if none was logged).
   */
  public record Powers(
      Map<String, Set<Address>> roles,
      Map<String, Set<Address>> everHeld,
      Optional<Address> owner) {}

  private final Web3j web3j;
  private final Deployment deployment;

  public ChainAudit(Web3j web3j, Deployment deployment) {
    this.web3j = web3j;
    this.deployment = deployment;
  }

  /** Replays the role and ownership events of the contract at {@code contract}. */
  public Powers powers(Address contract) {
    Map<String, Set<Address>> roles = new TreeMap<>();
    Map<String, Set<Address>> ever = new TreeMap<>();
    Address owner = null;
    for (Log log : logs(contract)) {
      List<String> topics = log.getTopics();
      String topic0 = topics.get(0);
      if (topic0.equals(OWNERSHIP_TRANSFERRED)) {
        owner = topicAddress(topics.get(2));
        continue;
      }
      String role = topics.get(1).toLowerCase(java.util.Locale.ROOT);
      Address account = topicAddress(topics.get(2));
      if (topic0.equals(ROLE_GRANTED)) {
        roles.computeIfAbsent(role, r -> new LinkedHashSet<>()).add(account);
        ever.computeIfAbsent(role, r -> new LinkedHashSet<>()).add(account);
      } else {
        roles.getOrDefault(role, new LinkedHashSet<>()).remove(account);
      }
    }
    roles.values().removeIf(Set::isEmpty);
    return new Powers(roles, ever, Optional.ofNullable(owner));
  }

  private List<Log> logs(Address contract) {
    EthFilter filter =
        new EthFilter(
            DefaultBlockParameter.valueOf(BigInteger.valueOf(deployment.deployedAtBlock())),
            DefaultBlockParameterName.LATEST,
            contract.value());
    filter.addOptionalTopics(ROLE_GRANTED, ROLE_REVOKED, OWNERSHIP_TRANSFERRED);
    try {
      EthLog result = web3j.ethGetLogs(filter).send();
      if (result.hasError()) {
        throw new IllegalStateException("eth_getLogs: " + result.getError().getMessage());
      }
      List<Log> out = new ArrayList<>();
      for (EthLog.LogResult<?> r : result.getLogs()) {
        out.add((Log) r.get());
      }
      // the node returns them in chain order; sort anyway, the replay depends on it
      out.sort(
          (a, b) ->
              a.getBlockNumber().equals(b.getBlockNumber())
                  ? a.getLogIndex().compareTo(b.getLogIndex())
                  : a.getBlockNumber().compareTo(b.getBlockNumber()));
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("eth_getLogs failed", e);
    }
  }

  /** {@code hasRole(role, account)} on {@code contract}, as the chain answers now. */
  public boolean hasRole(Address contract, String role, Address account) {
    var f =
        new Function(
            "hasRole",
            List.of(
                new Bytes32(Numeric.hexStringToByteArray(role)),
                new org.web3j.abi.datatypes.Address(account.value())),
            List.of(new TypeReference<Bool>() {}));
    return (Boolean) decode(call(contract, f), f).get(0).getValue();
  }

  /** {@code owner()} of {@code contract}; empty if it has none (the call reverts or is empty). */
  public Optional<Address> owner(Address contract) {
    return addressGetter(contract, "owner");
  }

  /** An {@code address}-returning view without arguments; empty if the contract has none. */
  public Optional<Address> addressGetter(Address contract, String name) {
    var f =
        new Function(
            name, List.of(), List.of(new TypeReference<org.web3j.abi.datatypes.Address>() {}));
    String raw;
    try {
      raw = call(contract, f);
    } catch (IllegalStateException e) {
      return Optional.empty();
    }
    if (raw == null || raw.length() < 66) return Optional.empty();
    return Optional.of(Address.of((String) decode(raw, f).get(0).getValue()));
  }

  /** A {@code uint}-returning view without arguments (a public constant, immutable or state). */
  public BigInteger uint(Address contract, String name) {
    var f = new Function(name, List.of(), List.of(new TypeReference<Uint256>() {}));
    return (BigInteger) decode(call(contract, f), f).get(0).getValue();
  }

  /** A {@code uint}-returning view of one address, e.g. {@code slasherActiveAt(account)}. */
  public BigInteger uint(Address contract, String name, Address argument) {
    var f =
        new Function(
            name,
            List.of(new org.web3j.abi.datatypes.Address(argument.value())),
            List.of(new TypeReference<Uint256>() {}));
    return (BigInteger) decode(call(contract, f), f).get(0).getValue();
  }

  /** Whether {@code account} has code (a contract) or not (an EOA, or nothing at all). */
  public boolean hasCode(Address account) {
    try {
      String code =
          web3j.ethGetCode(account.value(), DefaultBlockParameterName.LATEST).send().getCode();
      return code != null && !code.equals("0x") && !code.isEmpty();
    } catch (IOException e) {
      throw new IllegalStateException("eth_getCode failed", e);
    }
  }

  /** A role's name if it is one of the protocol's, else its hash. */
  public static String roleName(String role) {
    if (role.equals(DEFAULT_ADMIN_ROLE)) return "DEFAULT_ADMIN_ROLE";
    for (String n : KNOWN_ROLES) {
      if (role.equals(role(n))) return n;
    }
    return role;
  }

  /** The hash of a role name, e.g. {@code keccak256("SLASHER_ROLE")}, as hex. */
  public static String role(String name) {
    return Numeric.toHexString(Hash.sha3(name.getBytes(StandardCharsets.UTF_8)));
  }

  /** The deployment's name for {@code account}, or what it is: open, a contract or an EOA. */
  public String describe(Address account) {
    if (account.equals(Address.ZERO)) return "address(0) = anyone";
    for (var e : deployment.contracts().entrySet()) {
      if (Address.of(e.getValue()).equals(account)) return e.getKey();
    }
    return (hasCode(account) ? "contract " : "EOA ") + account.value();
  }

  /** Every deployed contract by name. */
  public Map<String, Address> contracts() {
    Map<String, Address> out = new LinkedHashMap<>();
    deployment.contracts().forEach((k, v) -> out.put(k, Address.of(v)));
    return out;
  }

  private String call(Address contract, Function f) {
    try {
      EthCall r =
          web3j
              .ethCall(
                  Transaction.createEthCallTransaction(
                      Address.ZERO.value(), contract.value(), FunctionEncoder.encode(f)),
                  DefaultBlockParameterName.LATEST)
              .send();
      if (r.hasError() || r.isReverted()) {
        throw new IllegalStateException(f.getName() + " reverted on " + contract.value());
      }
      return r.getValue();
    } catch (IOException e) {
      throw new IllegalStateException(f.getName() + " failed on " + contract.value(), e);
    }
  }

  @SuppressWarnings("rawtypes")
  private static List<Type> decode(String raw, Function f) {
    return FunctionReturnDecoder.decode(raw, f.getOutputParameters());
  }

  private static Address topicAddress(String topic) {
    byte[] b = Numeric.hexStringToByteArray(topic);
    return Address.of(Numeric.toHexString(Arrays.copyOfRange(b, 12, 32)));
  }
}
