package io.verinfer.chain.gov;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Every number governance may change, by the name {@code verinfer gov propose --set NAME=VALUE}
 * takes: which contract holds it, the setter a proposal calls, how its value is written, and the
 * hard bounds the contract enforces (a proposal outside them would pass the vote and then revert at
 * execution, changing nothing; {@code verinfer gov propose} tries each call as the timelock first,
 * {@link Governance#simulate}, and refuses such a proposal before it is made).
 */
public enum GovParam {
  PROTOCOL_FEE_BPS("protocolFeeBps", Holder.PARAMS, "setProtocolFeeBps", Kind.BPS, "0..2000 bps"),
  MIN_PROVIDER_STAKE(
      "minProviderStake", Holder.PARAMS, "setMinProviderStake", Kind.TOKENS, "≥ 1 VRF"),
  UNBONDING_DELAY(
      "unbondingDelay",
      Holder.PARAMS,
      "setUnbondingDelay",
      Kind.SECONDS,
      "≤ 90 d, ≥ challenge + commit + reveal windows + 1 h"),
  WITHDRAW_DELAY("withdrawDelay", Holder.PARAMS, "setWithdrawDelay", Kind.SECONDS, "10 min..90 d"),
  WITHDRAW_WINDOW(
      "withdrawWindow", Holder.PARAMS, "setWithdrawWindow", Kind.SECONDS, "10 min..30 d"),
  TERMS_NOTICE("termsNotice", Holder.PARAMS, "setTermsNotice", Kind.SECONDS, "1 h..90 d"),
  COMMITTEE_SIZE("committeeSize", Holder.PARAMS, "setCommitteeSize", Kind.UINT8, "odd, 3..15"),
  COMMIT_WINDOW("commitWindow", Holder.PARAMS, "setCommitWindow", Kind.SECONDS, "1 min..30 d"),
  REVEAL_WINDOW("revealWindow", Holder.PARAMS, "setRevealWindow", Kind.SECONDS, "1 min..30 d"),
  MAX_DISPUTE_BYTES(
      "maxDisputeBytes", Holder.PARAMS, "setMaxDisputeBytes", Kind.UINT32, "1..131072"),
  SLASH_BPS("slashBps", Holder.PARAMS, "setSlashBps", Kind.BPS, "100..5000 bps"),
  CHALLENGER_REWARD_BPS(
      "challengerRewardBps",
      Holder.PARAMS,
      "setRewardShares",
      Kind.BPS,
      "with voterRewardBps ≤ 10000 bps"),
  VOTER_REWARD_BPS(
      "voterRewardBps",
      Holder.PARAMS,
      "setRewardShares",
      Kind.BPS,
      "with challengerRewardBps ≤ 10000 bps"),
  DISPUTE_BOND("disputeBond", Holder.PARAMS, "setDisputeBond", Kind.TOKENS, "≥ 1 VRF"),
  NON_REVEAL_PENALTY("nonRevealPenalty", Holder.PARAMS, "setNonRevealPenalty", Kind.TOKENS, "any"),
  REQUEST_TIMEOUT(
      "requestTimeout", Holder.PARAMS, "setRequestTimeout", Kind.SECONDS, "1 min..30 d"),
  MAX_REQUEST_BYTES(
      "maxRequestBytes", Holder.PARAMS, "setMaxRequestBytes", Kind.UINT32, "1..65536"),
  MAX_OUTPUT_BYTES("maxOutputBytes", Holder.PARAMS, "setMaxOutputBytes", Kind.UINT32, "1..65536"),
  CHALLENGE_WINDOW(
      "challengeWindow", Holder.PARAMS, "setChallengeWindow", Kind.SECONDS, "1 min..30 d"),
  TREASURY("treasury", Holder.PARAMS, "setTreasury", Kind.ADDRESS, "not the zero address"),
  VOTING_DELAY("votingDelay", Holder.GOVERNOR, "setVotingDelay", Kind.UINT48, "0..50400 blocks"),
  VOTING_PERIOD(
      "votingPeriod",
      Holder.GOVERNOR,
      "setVotingPeriod",
      Kind.UINT32,
      "deployment's floor..216000 blocks"),
  PROPOSAL_THRESHOLD(
      "proposalThreshold",
      Holder.GOVERNOR,
      "setProposalThreshold",
      Kind.TOKENS256,
      "≤ 1% of the supply"),
  QUORUM_BPS("quorumBps", Holder.GOVERNOR, "updateQuorumNumerator", Kind.UINT256, "20..2000 bps"),
  TIMELOCK_DELAY(
      "timelockDelay", Holder.TIMELOCK, "updateDelay", Kind.SECONDS256, "deployment's floor..30 d");

  /** Which contract holds a parameter. */
  public enum Holder {
    PARAMS("ProtocolParams"),
    GOVERNOR("VerinferGovernor"),
    TIMELOCK("VerinferTimelock");

    public final String contract;

    Holder(String contract) {
      this.contract = contract;
    }
  }

  /** How a value is written on the command line and encoded in the call. */
  public enum Kind {
    BPS("uint16", 16),
    UINT8("uint8", 8),
    UINT32("uint32", 32),
    UINT48("uint48", 48),
    UINT256("uint256", 256),
    SECONDS("uint64", 64),
    SECONDS256("uint256", 256),
    TOKENS("uint128", 128),
    TOKENS256("uint256", 256),
    ADDRESS("address", 160);

    public final String solidityType;

    /** How many bits the setter's argument holds. */
    public final int bits;

    Kind(String solidityType, int bits) {
      this.solidityType = solidityType;
      this.bits = bits;
    }
  }

  public final String key;
  public final Holder holder;
  public final String setter;
  public final Kind kind;
  public final String bounds;

  GovParam(String key, Holder holder, String setter, Kind kind, String bounds) {
    this.key = key;
    this.holder = holder;
    this.setter = setter;
    this.kind = kind;
    this.bounds = bounds;
  }

  /** The view function that reads the current value. */
  public String getter() {
    return switch (this) {
      case QUORUM_BPS -> "quorumNumerator";
      case TIMELOCK_DELAY -> "getMinDelay";
      default -> key;
    };
  }

  /** Case-insensitive lookup by name. */
  public static Optional<GovParam> byKey(String key) {
    String k = key.trim().toLowerCase(Locale.ROOT);
    return Arrays.stream(values())
        .filter(p -> p.key.toLowerCase(Locale.ROOT).equals(k))
        .findFirst();
  }

  /** Every name, for error messages and {@code gov params}. */
  public static List<String> keys() {
    return Arrays.stream(values()).map(p -> p.key).toList();
  }
}
