package io.verinfer.cli;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.gov.Governance;
import io.verinfer.chain.tx.ChainException;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.web3j.protocol.core.DefaultBlockParameterName;

/** What the {@code gov} commands share: proposal lookup, times and states in words. */
final class GovSupport {
  private static final DateTimeFormatter UTC =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private GovSupport() {}

  /** A proposal id as the CLI prints it (decimal), or 0x-hex. */
  static BigInteger proposalId(String text) {
    String t = text.trim();
    try {
      BigInteger id =
          t.startsWith("0x") || t.startsWith("0X")
              ? new BigInteger(t.substring(2), 16)
              : new BigInteger(t);
      if (id.signum() < 0 || id.bitLength() > 256) {
        throw new NumberFormatException();
      }
      return id;
    } catch (NumberFormatException e) {
      throw new UserError(
          "PROPOSAL_ID: '"
              + text
              + "' is not a proposal id (the decimal number `gov propose` and"
              + " `gov status` print)",
          e);
    }
  }

  /** The proposal with {@code id}, from its creation event. */
  static Governance.Proposal find(Governance g, BigInteger id) {
    return g.proposal(id)
        .orElseThrow(
            () ->
                new UserError(
                    "no proposal "
                        + id
                        + " on this deployment (`verinfer gov status` lists every proposal)"));
  }

  /** A state as people read it ({@code Succeeded}, as Tally writes it). */
  static String state(Governance.State s) {
    String n = s.name().toLowerCase(Locale.ROOT);
    return Character.toUpperCase(n.charAt(0)) + n.substring(1);
  }

  static String utc(long epochSeconds) {
    return UTC.format(Instant.ofEpochSecond(epochSeconds));
  }

  /** The latest block's timestamp: the chain's own clock, which the timelock checks. */
  static long chainTime(VerinferChain chain) {
    try {
      var block = chain.web3j().ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send();
      if (block.hasError() || block.getBlock() == null) {
        throw new ChainException(
            "cannot read the latest block"
                + (block.hasError() ? ": " + block.getError().getMessage() : ""));
      }
      return block.getBlock().getTimestamp().longValueExact();
    } catch (IOException e) {
      throw new ChainException("cannot read the latest block: " + e.getMessage(), e);
    }
  }

  /** {@code 1 block} / {@code 10 blocks}. */
  static String blocks(long n) {
    return n + (n == 1 ? " block" : " blocks");
  }

  /** The first line of a description (Tally's convention: a title, then the body). */
  static String title(String description) {
    String first = description.strip().lines().findFirst().orElse("");
    return first.startsWith("# ") ? first.substring(2) : first;
  }

  /** What to do about a proposal in {@code state}, or an empty string when nothing is left. */
  static String next(Governance.Proposal p, Governance.Status s, long chainTime) {
    String id = p.idText();
    return switch (s.state()) {
      case PENDING ->
          "voting opens after block "
              + s.snapshot()
              + " (now "
              + s.clock()
              + "); then `verinfer gov vote "
              + id
              + " for|against|abstain`";
      case ACTIVE ->
          "vote until block "
              + s.deadline()
              + " (now "
              + s.clock()
              + "): `verinfer gov vote "
              + id
              + " for|against|abstain`";
      case SUCCEEDED -> "queue it in the timelock: `verinfer gov queue " + id + "`";
      case QUEUED ->
          chainTime >= s.eta()
              ? "execute it: `verinfer gov execute " + id + "`"
              : "execute it after "
                  + utc(s.eta())
                  + " ("
                  + (s.eta() - chainTime)
                  + " s from the chain's latest block): `verinfer gov execute "
                  + id
                  + "`";
      case DEFEATED, CANCELED, EXPIRED, EXECUTED -> "";
    };
  }
}
