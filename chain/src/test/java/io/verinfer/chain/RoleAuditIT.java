package io.verinfer.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.bindings.AvailabilityOracle;
import io.verinfer.chain.bindings.DisputeManager;
import io.verinfer.chain.bindings.ModelRegistry;
import io.verinfer.chain.bindings.ProtocolParams;
import io.verinfer.chain.bindings.ProviderRegistry;
import io.verinfer.chain.bindings.ProviderReputation;
import io.verinfer.chain.bindings.UsageCounter;
import io.verinfer.chain.bindings.VerinferGovernor;
import io.verinfer.chain.bindings.VerinferTimelock;
import io.verinfer.chain.bindings.VerinferTreasury;
import io.verinfer.chain.gov.GovCalls;
import io.verinfer.chain.gov.GovParam;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.ChainAudit;
import io.verinfer.chain.testing.DevnetScene;
import io.verinfer.chain.testing.Enact;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Function;
import org.web3j.tx.gas.DefaultGasProvider;
import org.web3j.utils.Numeric;

/**
 * The role audit the Deployer's javadoc promises: who holds every power over the deployed
 * contracts, read from the chain alone (role and ownership events replayed from the deployment's
 * first block, checked against {@code hasRole} and {@code owner()}), must be the governance
 * contracts and nobody else; and the former admin (account 0, which deployed everything) can no
 * longer change anything.
 */
class RoleAuditIT extends DevnetScene {
  private static final String ADMIN = ChainAudit.DEFAULT_ADMIN_ROLE;
  private static final String SLASHER = ChainAudit.role("SLASHER_ROLE");
  private static final String PROPOSER = ChainAudit.role("PROPOSER_ROLE");
  private static final String EXECUTOR = ChainAudit.role("EXECUTOR_ROLE");
  private static final String CANCELLER = ChainAudit.role("CANCELLER_ROLE");

  private ChainAudit audit;
  private Map<String, Address> contracts;
  private Address timelock;
  private Address governor;

  /** One power over a contract and who holds it. */
  private record Row(String contract, String power, Address holder, String who) {}

  @BeforeEach
  void readDeployment() {
    audit = new ChainAudit(SharedDevnet.web3j(), SharedDevnet.get().deployment());
    contracts = audit.contracts();
    timelock = contracts.get("VerinferTimelock");
    governor = contracts.get("VerinferGovernor");
  }

  @Test
  void everyPowerIsHeldByGovernanceContractsOnly() {
    List<Row> rows = new ArrayList<>();
    Map<String, Map<String, Set<Address>>> roles = new TreeMap<>();
    Map<String, Address> owners = new TreeMap<>();
    for (var e : contracts.entrySet()) {
      String name = e.getKey();
      Address at = e.getValue();
      ChainAudit.Powers powers = audit.powers(at);
      powers
          .roles()
          .forEach(
              (role, holders) -> {
                for (Address h : holders) {
                  assertThat(audit.hasRole(at, role, h))
                      .as("%s: the events say %s holds %s", name, h, ChainAudit.roleName(role))
                      .isTrue();
                  rows.add(new Row(name, ChainAudit.roleName(role), h, audit.describe(h)));
                }
              });
      powers
          .everHeld()
          .forEach(
              (role, ever) -> {
                for (Address h : ever) {
                  if (powers.roles().getOrDefault(role, Set.of()).contains(h)) continue;
                  assertThat(audit.hasRole(at, role, h))
                      .as("%s: the events say %s lost %s", name, h, ChainAudit.roleName(role))
                      .isFalse();
                  rows.add(
                      new Row(
                          name,
                          ChainAudit.roleName(role) + " (revoked)",
                          h,
                          audit.describe(h) + ", no longer"));
                }
              });
      Map<String, Set<Address>> named = new TreeMap<>();
      powers.roles().forEach((role, holders) -> named.put(ChainAudit.roleName(role), holders));
      roles.put(name, named);
      var owner = audit.owner(at);
      assertThat(owner)
          .as("%s: owner() against its last OwnershipTransferred event", name)
          .isEqualTo(powers.owner());
      owner.ifPresent(
          o -> {
            owners.put(name, o);
            rows.add(new Row(name, "owner()", o, audit.describe(o)));
          });
    }
    // the one-shot wirings: done, and by nobody else ever again (the second test tries)
    Address channels =
        audit.addressGetter(contracts.get("UsageCounter"), "paymentChannels").orElseThrow();
    Address coordinator =
        audit.addressGetter(contracts.get("DisputeManager"), "coordinator").orElseThrow();
    Address delister = audit.owner(contracts.get("ProtocolParams")).orElseThrow();
    Address executor = audit.addressGetter(governor, "timelock").orElseThrow();
    rows.add(new Row("UsageCounter", "paymentChannels (once)", channels, audit.describe(channels)));
    Address bound =
        audit.addressGetter(contracts.get("ProviderRegistry"), "reputation").orElseThrow();
    rows.add(new Row("ProviderRegistry", "reputation (once)", bound, audit.describe(bound)));
    assertThat(bound).isEqualTo(contracts.get("ProviderReputation"));
    rows.add(
        new Row("DisputeManager", "coordinator (once)", coordinator, audit.describe(coordinator)));
    rows.add(
        new Row("ModelRegistry", "delist (= params.owner())", delister, audit.describe(delister)));
    rows.add(
        new Row("VerinferGovernor", "timelock() (executor)", executor, audit.describe(executor)));
    printTable(rows);

    assertThat(owners)
        .as("every Ownable contract and its owner")
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("ProtocolParams", timelock, "VerinferTreasury", timelock));
    assertThat(roles)
        .as("every role of every contract, replayed from the chain")
        .containsExactlyInAnyOrderEntriesOf(expectedRoles(contracts.get("DisputeManager")));
    // the deployment's own grant acts at once: disputes can slash from the first block
    Address registry = contracts.get("ProviderRegistry");
    for (Address slasher : roles.get("ProviderRegistry").getOrDefault("SLASHER_ROLE", Set.of())) {
      long activeAt = audit.uint(registry, "slasherActiveAt", slasher).longValueExact();
      System.out.printf(
          "RoleAuditIT: %s may slash since %d (now %d)%n",
          audit.describe(slasher), activeAt, SharedDevnet.latestTimestamp());
      assertThat(activeAt).isLessThanOrEqualTo(SharedDevnet.latestTimestamp());
    }
    assertThat(channels).isEqualTo(contracts.get("PaymentChannels"));
    assertThat(coordinator).isEqualTo(contracts.get("InferenceCoordinator"));
    assertThat(executor).isEqualTo(timelock);

    List<Row> eoas =
        rows.stream()
            .filter(r -> !r.power().endsWith("(revoked)"))
            .filter(r -> !(r.holder().equals(Address.ZERO) && r.power().equals("EXECUTOR_ROLE")))
            .filter(r -> !audit.hasCode(r.holder()))
            .toList();
    assertThat(eoas).as("powers held by an account without code").isEmpty();
  }

  private Map<String, Map<String, Set<Address>>> expectedRoles(Address disputes) {
    Map<String, Map<String, Set<Address>>> expected = new TreeMap<>();
    for (String name : contracts.keySet()) {
      expected.put(name, Map.of());
    }
    expected.put(
        "ProviderRegistry",
        Map.of("DEFAULT_ADMIN_ROLE", Set.of(timelock), "SLASHER_ROLE", Set.of(disputes)));
    expected.put("AvailabilityOracle", Map.of("DEFAULT_ADMIN_ROLE", Set.of(timelock)));
    expected.put("ProviderReputation", Map.of("DEFAULT_ADMIN_ROLE", Set.of(timelock)));
    expected.put(
        "VerinferTimelock",
        Map.of(
            "DEFAULT_ADMIN_ROLE", Set.of(timelock),
            "PROPOSER_ROLE", Set.of(governor),
            "CANCELLER_ROLE", Set.of(governor),
            "EXECUTOR_ROLE", Set.of(Address.ZERO)));
    return expected;
  }

  private static void printTable(List<Row> rows) {
    StringBuilder out = new StringBuilder("RoleAuditIT: who holds what (from the chain)\n");
    out.append(String.format("  %-22s %-34s %s%n", "contract", "power", "holder"));
    for (Row r : rows) {
      out.append(String.format("  %-22s %-34s %s%n", r.contract(), r.power(), r.who()));
    }
    System.out.print(out);
  }

  @Test
  void theFormerAdminCanDoNothing() {
    VerinferChain admin = actors.admin();
    TransactionSender tx = admin.sender();
    Address me = admin.account();
    assertThat(me).isEqualTo(Address.of(SharedDevnet.get().deployment().admin()));
    ModelId model = Actors.publish(actors.author(0), "role-audit", 500);
    Map<String, Object> before = state(model);

    var web3j = SharedDevnet.web3j();
    var gas = new DefaultGasProvider();
    Address params = contracts.get("ProtocolParams");
    Address registry = contracts.get("ProviderRegistry");
    Address disputes = contracts.get("DisputeManager");
    Address treasury = contracts.get("VerinferTreasury");
    ProtocolParams p = ProtocolParams.load(params.value(), web3j, tx, gas);
    ProviderRegistry r = ProviderRegistry.load(registry.value(), web3j, tx, gas);
    VerinferTimelock t = VerinferTimelock.load(timelock.value(), web3j, tx, gas);
    VerinferGovernor g = VerinferGovernor.load(governor.value(), web3j, tx, gas);
    VerinferTreasury tr = VerinferTreasury.load(treasury.value(), web3j, tx, gas);
    GovCalls calls = new GovCalls(SharedDevnet.get().deployment());

    // call → the error it must revert with
    Map<String, Attempt> attempts = new LinkedHashMap<>();
    for (GovParam param : GovParam.values()) {
      if (param == GovParam.CHALLENGER_REWARD_BPS || param == GovParam.VOTER_REWARD_BPS) continue;
      var action = calls.set(param, Enact.current(param)); // a valid value: only who is wrong
      String error =
          switch (param.holder) {
            case PARAMS -> "OwnableUnauthorizedAccount";
            case GOVERNOR -> "GovernorOnlyExecutor";
            case TIMELOCK -> "TimelockUnauthorizedCaller";
          };
      attempts.put(
          param.holder.contract + "." + param.setter,
          new Attempt(action.target(), Numeric.toHexString(action.calldata()), error));
    }
    var shares =
        calls.rewardShares(
            Enact.current(GovParam.CHALLENGER_REWARD_BPS),
            Enact.current(GovParam.VOTER_REWARD_BPS));
    attempts.put(
        "ProtocolParams.setRewardShares",
        new Attempt(params, Numeric.toHexString(shares.calldata()), "OwnableUnauthorizedAccount"));
    String ownable = "OwnableUnauthorizedAccount";
    attempts.put("ProtocolParams.addListener", at(params, p.addListener(me.value()), ownable));
    attempts.put(
        "ProtocolParams.removeListener",
        at(params, p.removeListener(contracts.get("InferenceCoordinator").value()), ownable));
    attempts.put(
        "ProtocolParams.transferOwnership", at(params, p.transferOwnership(me.value()), ownable));
    attempts.put("ProtocolParams.renounceOwnership", at(params, p.renounceOwnership(), ownable));

    String unauthorized = "AccessControlUnauthorizedAccount";
    byte[] admin0 = new byte[32];
    byte[] slasher = Numeric.hexStringToByteArray(SLASHER);
    attempts.put(
        "ProviderRegistry.grantRole(SLASHER)",
        at(registry, r.grantRole(slasher, me.value()), unauthorized));
    attempts.put(
        "ProviderRegistry.grantRole(ADMIN)",
        at(registry, r.grantRole(admin0, me.value()), unauthorized));
    attempts.put(
        "ProviderRegistry.revokeRole(SLASHER)",
        at(registry, r.revokeRole(slasher, disputes.value()), unauthorized));
    attempts.put(
        "ProviderRegistry.revokeRole(ADMIN)",
        at(registry, r.revokeRole(admin0, timelock.value()), unauthorized));
    attempts.put(
        "ProviderRegistry.renounceRole(SLASHER, DisputeManager)",
        at(registry, r.renounceRole(slasher, disputes.value()), "AccessControlBadConfirmation"));

    byte[] payload =
        Numeric.hexStringToByteArray(p.setSlashBps(BigInteger.valueOf(5_000)).encodeFunctionCall());
    byte[] zero = new byte[32];
    BigInteger delay = BigInteger.valueOf(Enact.governance(Enact.VOTERS[0]).timelockDelaySeconds());
    attempts.put(
        "VerinferTimelock.schedule",
        at(
            timelock,
            t.schedule(params.value(), BigInteger.ZERO, payload, zero, zero, delay),
            unauthorized));
    attempts.put(
        "VerinferTimelock.execute",
        at(
            timelock,
            t.execute(params.value(), BigInteger.ZERO, payload, zero, zero, BigInteger.ZERO),
            "TimelockUnexpectedOperationState"));
    attempts.put("VerinferTimelock.cancel", at(timelock, t.cancel(zero), unauthorized));
    attempts.put(
        "VerinferTimelock.grantRole(PROPOSER)",
        at(
            timelock,
            t.grantRole(Numeric.hexStringToByteArray(PROPOSER), me.value()),
            unauthorized));
    attempts.put(
        "VerinferTimelock.grantRole(ADMIN)",
        at(timelock, t.grantRole(admin0, me.value()), unauthorized));
    attempts.put(
        "VerinferTimelock.revokeRole(EXECUTOR)",
        at(
            timelock,
            t.revokeRole(Numeric.hexStringToByteArray(EXECUTOR), Address.ZERO.value()),
            unauthorized));
    attempts.put(
        "VerinferTimelock.revokeRole(CANCELLER)",
        at(
            timelock,
            t.revokeRole(Numeric.hexStringToByteArray(CANCELLER), governor.value()),
            unauthorized));
    attempts.put(
        "VerinferTimelock.updateDelay(floor)",
        at(
            timelock,
            t.updateDelay(audit.uint(timelock, "minDelayFloor")),
            "TimelockUnauthorizedCaller"));

    attempts.put(
        "VerinferGovernor.relay",
        at(
            governor,
            g.relay(params.value(), BigInteger.ZERO, payload, BigInteger.ZERO),
            "GovernorOnlyExecutor"));
    attempts.put(
        "VerinferGovernor.updateTimelock",
        new Attempt(
            governor,
            FunctionEncoder.encode(
                new Function(
                    "updateTimelock",
                    List.of(new org.web3j.abi.datatypes.Address(me.value())),
                    List.of())),
            "TimelockIsFixed"));
    attempts.put(
        "VerinferGovernor.propose",
        at(
            governor,
            g.propose(
                List.of(params.value()),
                List.of(BigInteger.ZERO),
                List.of(payload),
                "the former admin takes over"),
            "GovernorInsufficientProposerVotes"));

    attempts.put(
        "VerinferTreasury.pay", at(treasury, tr.pay(me.value(), BigInteger.ONE, "mine"), ownable));
    attempts.put(
        "VerinferTreasury.payToken",
        at(
            treasury,
            tr.payToken(contracts.get("VerinferToken").value(), me.value(), BigInteger.ONE, "mine"),
            ownable));
    attempts.put(
        "VerinferTreasury.transferOwnership",
        at(treasury, tr.transferOwnership(me.value()), ownable));
    attempts.put(
        "VerinferTreasury.renounceOwnership", at(treasury, tr.renounceOwnership(), ownable));

    attempts.put(
        "ModelRegistry.delist",
        at(
            contracts.get("ModelRegistry"),
            ModelRegistry.load(contracts.get("ModelRegistry").value(), web3j, tx, gas)
                .delist(BigInteger.valueOf(model.value()), "mine"),
            "NotGovernance"));
    attempts.put(
        "UsageCounter.bindPaymentChannels",
        at(
            contracts.get("UsageCounter"),
            UsageCounter.load(contracts.get("UsageCounter").value(), web3j, tx, gas)
                .bindPaymentChannels(me.value()),
            "AlreadyBound"));
    attempts.put(
        "DisputeManager.setCoordinator",
        at(
            disputes,
            DisputeManager.load(disputes.value(), web3j, tx, gas).setCoordinator(me.value()),
            "CoordinatorAlreadySet"));

    Address oracle = contracts.get("AvailabilityOracle");
    var o = AvailabilityOracle.load(oracle.value(), web3j, tx, gas);
    attempts.put(
        "AvailabilityOracle.setParams", at(oracle, o.setParams(read(o.params())), unauthorized));
    attempts.put(
        "AvailabilityOracle.grantRole(ADMIN)",
        at(oracle, o.grantRole(admin0, me.value()), unauthorized));
    Address reputation = contracts.get("ProviderReputation");
    attempts.put(
        "ProviderRegistry.bindReputation",
        at(
            contracts.get("ProviderRegistry"),
            ProviderRegistry.load(contracts.get("ProviderRegistry").value(), web3j, tx, gas)
                .bindReputation(me.value()),
            "AlreadyBound"));
    var rep = ProviderReputation.load(reputation.value(), web3j, tx, gas);
    attempts.put(
        "ProviderReputation.setParams",
        at(reputation, rep.setParams(read(rep.params())), unauthorized));
    attempts.put(
        "ProviderReputation.grantRole(ADMIN)",
        at(reputation, rep.grantRole(admin0, me.value()), unauthorized));

    Map<String, String> outcomes = new LinkedHashMap<>();
    Map<String, String> wrong = new LinkedHashMap<>();
    for (var e : attempts.entrySet()) {
      Attempt a = e.getValue();
      String outcome = outcome(() -> tx.send(a.target().value(), a.data()));
      outcomes.put(e.getKey(), outcome);
      if (!outcome.equals(a.error()))
        wrong.put(e.getKey(), outcome + " (expected " + a.error() + ")");
    }
    StringBuilder out =
        new StringBuilder("RoleAuditIT: what the former admin (account 0) tried, and the answer\n");
    outcomes.forEach((k, v) -> out.append(String.format("  %-48s %s%n", k, v)));
    out.append(
        String.format(
            "  account 0 holds %s VRF undelegated: %s votes%n",
            admin.token().balanceOf(me).toTokens(), Enact.governance(0).votes(me).toTokens()));
    System.out.print(out);

    assertThat(wrong).as("calls by the former admin that did not revert as they should").isEmpty();
    assertThat(state(model)).as("everything an admin could change").isEqualTo(before);
  }

  private static <T> T read(org.web3j.protocol.core.RemoteFunctionCall<T> call) {
    try {
      return call.send();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A call to make as account 0 and the custom error it must revert with. */
  private record Attempt(Address target, String data, String error) {}

  private static Attempt at(
      Address target, org.web3j.protocol.core.RemoteFunctionCall<?> call, String error) {
    return new Attempt(target, call.encodeFunctionCall(), error);
  }

  private static String outcome(Supplier<?> call) {
    try {
      call.get();
      return "accepted";
    } catch (ContractRevertException e) {
      return e.errorName();
    }
  }

  /** Every value the attempts above could have changed. */
  private Map<String, Object> state(ModelId model) {
    Map<String, Object> s = new TreeMap<>();
    for (GovParam param : GovParam.values()) {
      s.put(param.key, Enact.current(param));
    }
    for (var e : contracts.entrySet()) {
      ChainAudit.Powers powers = audit.powers(e.getValue());
      s.put(e.getKey() + ".roles", powers.roles().toString());
      s.put(e.getKey() + ".owner", audit.owner(e.getValue()).map(Address::value).orElse("-"));
    }
    s.put("AvailabilityOracle.params", actors.admin().oracle().params());
    s.put("ProviderReputation.params", actors.admin().reputation().params());
    s.put(
        "ProviderRegistry.reputation",
        audit.addressGetter(contracts.get("ProviderRegistry"), "reputation").orElseThrow());
    Address params = contracts.get("ProtocolParams");
    s.put("listenerCount", audit.uint(params, "listenerCount"));
    s.put("longestUnbondingDelay", audit.uint(params, "longestUnbondingDelay"));
    s.put(
        "paymentChannels",
        audit.addressGetter(contracts.get("UsageCounter"), "paymentChannels").orElseThrow());
    s.put(
        "coordinator",
        audit.addressGetter(contracts.get("DisputeManager"), "coordinator").orElseThrow());
    s.put("governor.timelock", audit.addressGetter(governor, "timelock").orElseThrow());
    s.put(
        "treasury balance",
        actors.admin().token().balanceOf(contracts.get("VerinferTreasury")).baseUnits());
    s.put("model delisted", isDelisted(model));
    return s;
  }

  private boolean isDelisted(ModelId model) {
    try {
      return ModelRegistry.load(
              contracts.get("ModelRegistry").value(),
              SharedDevnet.web3j(),
              actors.admin().sender(),
              new DefaultGasProvider())
          .isDelisted(BigInteger.valueOf(model.value()))
          .send();
    } catch (Exception e) {
      throw new IllegalStateException("isDelisted failed", e);
    }
  }
}
