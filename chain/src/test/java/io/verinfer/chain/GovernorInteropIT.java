package io.verinfer.chain;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.chain.bindings.VerinferGovernor;
import io.verinfer.chain.bindings.VerinferToken;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.gov.Governance;
import io.verinfer.chain.testing.Enact;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.chain.tx.RetryPolicy;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import java.io.File;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.tx.gas.DefaultGasProvider;
import org.web3j.utils.Numeric;

/**
 * The Governor as a third-party front end (Tally, or any IGovernor client) sees it: {@code
 * examples/governance/vote.mjs} reads a proposal with ethers and the standard IGovernor ABI only
 * and casts a vote, and what it read and did must agree with the Java side's reads of the same
 * chain.
 */
class GovernorInteropIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PROPOSER = Enact.VOTERS[0];
  private static final int FOR_VOTER = 13;
  private static final int ABSTAIN_VOTER = 12;

  private static String snapshot;

  @BeforeAll
  static void start() {
    snapshot = SharedDevnet.snapshot();
  }

  @AfterAll
  static void stop() {
    SharedDevnet.revert(snapshot);
  }

  @Test
  void theExampleScriptReadsWhatJavaReadsAndItsVoteCounts() throws Exception {
    Governance proposer = Enact.governance(PROPOSER);
    Governance.Proposal p =
        proposer.propose(
            proposer.changes(List.of("protocolFeeBps=400")),
            Enact.description(List.of()) + " interop");
    Enact.mineTo(proposer, p.voteStart() + 1);
    // after the snapshot the voter gives tokens away: its vote must still weigh what it held then
    Credentials voter = DevAccounts.account(FOR_VOTER);
    sender(FOR_VOTER)
        .send(
            token().getContractAddress(),
            token()
                .transfer(
                    DevAccounts.account(2).getAddress(), TokenAmount.ofTokens("1000").baseUnits())
                .encodeFunctionCall());
    VerinferGovernor governor = governor();
    BigInteger snapshotBlock = BigInteger.valueOf(p.voteStart());
    BigInteger weight = governor.getVotes(voter.getAddress(), snapshotBlock).send();
    assertThat(weight).isGreaterThan(BigInteger.ZERO);
    assertThat(proposer.votes(Address.of(voter.getAddress())).baseUnits()).isLessThan(weight);

    Governance.Status before = proposer.status(p.id());
    assertThat(before.state()).isEqualTo(Governance.State.ACTIVE);
    List<JsonNode> out = vote(FOR_VOTER, p.id(), "for", null);

    JsonNode read = out.get(0).get("read");
    JsonNode g = read.get("governor");
    assertThat(g.get("address").asText()).isEqualToIgnoringCase(proposer.governorAddress().value());
    assertThat(g.get("name").asText()).isEqualTo(governor.name().send());
    assertThat(g.get("COUNTING_MODE").asText()).isEqualTo("support=bravo&quorum=for,abstain");
    assertThat(g.get("CLOCK_MODE").asText()).isEqualTo("mode=blocknumber&from=default");
    assertThat(g.get("COUNTING_MODE").asText()).isEqualTo(governor.COUNTING_MODE().send());
    assertThat(g.get("CLOCK_MODE").asText()).isEqualTo(governor.CLOCK_MODE().send());
    assertThat(number(g, "clock")).isEqualTo(BigInteger.valueOf(before.clock()));
    assertThat(number(g, "votingDelay")).isEqualTo(governor.votingDelay().send());
    assertThat(number(g, "votingPeriod")).isEqualTo(governor.votingPeriod().send());

    JsonNode proposal = read.get("proposal");
    assertThat(number(proposal, "id")).isEqualTo(p.id());
    assertThat(proposal.get("state").asText()).isEqualTo("Active");
    assertThat(proposal.get("stateIndex").asInt()).isEqualTo(before.state().ordinal());
    assertThat(number(proposal, "snapshot")).isEqualTo(BigInteger.valueOf(before.snapshot()));
    assertThat(number(proposal, "deadline")).isEqualTo(BigInteger.valueOf(before.deadline()));
    assertThat(before.snapshot()).isEqualTo(p.voteStart());
    assertThat(before.deadline()).isEqualTo(p.voteEnd());
    assertThat(number(proposal, "quorum")).isEqualTo(before.quorum().baseUnits());
    assertVotes(proposal.get("votes"), before);

    JsonNode voterRead = read.get("voter");
    assertThat(voterRead.get("address").asText()).isEqualToIgnoringCase(voter.getAddress());
    assertThat(number(voterRead, "weight")).isEqualTo(weight);
    assertThat(voterRead.get("hasVoted").asBoolean()).isFalse();

    JsonNode cast = out.get(1).get("voteCast");
    assertThat(cast.get("voter").asText()).isEqualToIgnoringCase(voter.getAddress());
    assertThat(number(cast, "proposalId")).isEqualTo(p.id());
    assertThat(cast.get("support").asInt()).isEqualTo(Governance.Support.FOR.ordinal());
    assertThat(number(cast, "weight")).isEqualTo(weight);
    assertThat(cast.get("reason").asText()).isEmpty();

    Governance.Status after = proposer.status(p.id());
    assertThat(after.forVotes()).isEqualTo(before.forVotes().plus(TokenAmount.of(weight)));
    assertThat(after.againstVotes()).isEqualTo(before.againstVotes());
    assertThat(after.abstainVotes()).isEqualTo(before.abstainVotes());
    assertVotes(out.get(1).get("after").get("votes"), after);
    assertThat(governor.hasVoted(p.id(), voter.getAddress()).send()).isTrue();
    assertThat(out.get(1).get("after").get("hasVoted").asBoolean()).isTrue();

    // castVoteWithReason: an abstention with a reason, counted (towards quorum) as abstain
    Credentials abstainer = DevAccounts.account(ABSTAIN_VOTER);
    BigInteger abstainWeight = governor.getVotes(abstainer.getAddress(), snapshotBlock).send();
    String reason = "interop: abstain, with a reason (ü ✓)";
    List<JsonNode> second = vote(ABSTAIN_VOTER, p.id(), "2", reason);
    JsonNode abstained = second.get(1).get("voteCast");
    assertThat(abstained.get("support").asInt()).isEqualTo(Governance.Support.ABSTAIN.ordinal());
    assertThat(abstained.get("reason").asText()).isEqualTo(reason);
    assertThat(number(abstained, "weight")).isEqualTo(abstainWeight);
    Governance.Status last = proposer.status(p.id());
    assertThat(last.abstainVotes())
        .isEqualTo(after.abstainVotes().plus(TokenAmount.of(abstainWeight)));
    assertThat(last.forVotes()).isEqualTo(after.forVotes());

    // a second vote by the same account: the script reads, sees hasVoted and refuses (status 2)
    Run again = run(FOR_VOTER, p.id(), "against", null);
    assertThat(again.exit()).as(again.out() + again.err()).isEqualTo(2);
    assertThat(again.err()).contains("has already voted");
    JsonNode reread = JSON.readTree(again.out().strip()).get("read");
    assertThat(reread.get("voter").get("hasVoted").asBoolean()).isTrue();
    assertVotes(reread.get("proposal").get("votes"), last);
    assertThat(proposer.status(p.id())).isEqualTo(last);
  }

  private static void assertVotes(JsonNode votes, Governance.Status status) {
    assertThat(number(votes, "against")).isEqualTo(status.againstVotes().baseUnits());
    assertThat(number(votes, "for")).isEqualTo(status.forVotes().baseUnits());
    assertThat(number(votes, "abstain")).isEqualTo(status.abstainVotes().baseUnits());
  }

  private static BigInteger number(JsonNode node, String field) {
    JsonNode v = node.get(field);
    assertThat(v).as(field).isNotNull();
    assertThat(v.isTextual()).as(field + " is a decimal string: " + v).isTrue();
    return new BigInteger(v.asText());
  }

  /** What one run of the example printed, and how it exited. */
  private record Run(int exit, String out, String err) {}

  /** Runs the example and expects a cast vote: its two JSON lines. */
  private static List<JsonNode> vote(
      int account, BigInteger proposalId, String support, String reason)
      throws IOException, InterruptedException {
    Run run = run(account, proposalId, support, reason);
    assertThat(run.exit()).as(run.err()).isZero();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : run.out().strip().lines().toList()) {
      lines.add(JSON.readTree(line));
    }
    assertThat(lines).as(run.out()).hasSize(2);
    return lines;
  }

  /**
   * Runs the example through its {@code run.sh} (which installs the pinned ethers first when its
   * lockfile changed), with the account's key in the environment, and checks that the key appears
   * in none of its output.
   */
  private static Run run(int account, BigInteger proposalId, String support, String reason)
      throws IOException, InterruptedException {
    assertThat(onPath("node")).as("node on PATH (the example runs on Node.js)").isTrue();
    Path root = Path.of(System.getProperty("verinfer.root", ".."));
    Path example = root.resolve("examples/governance");
    List<String> command =
        new ArrayList<>(
            List.of(
                "bash",
                "run.sh",
                SharedDevnet.get().deployment().rpcUrl().toString(),
                SharedDevnet.get().deployment().address("VerinferGovernor"),
                proposalId.toString(),
                support));
    if (reason != null) command.add(reason);
    Path err = Files.createTempFile("vote-mjs", ".err");
    try {
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(example.toFile())
              .redirectError(ProcessBuilder.Redirect.to(err.toFile()));
      // the key goes through the environment, never the command line (visible in ps)
      String key =
          Numeric.toHexStringNoPrefixZeroPadded(
              DevAccounts.account(account).getEcKeyPair().getPrivateKey(), 64);
      builder.environment().put("VOTER_PRIVATE_KEY", "0x" + key);
      Process process = builder.start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(180, TimeUnit.SECONDS)).as("vote.mjs finished").isTrue();
      String errText = Files.readString(err, StandardCharsets.UTF_8);
      System.out.print(out);
      System.out.print(errText);
      assertThat(out.toLowerCase(Locale.ROOT)).doesNotContain(key);
      assertThat(errText.toLowerCase(Locale.ROOT)).doesNotContain(key);
      return new Run(process.exitValue(), out, errText);
    } finally {
      Files.deleteIfExists(err);
    }
  }

  private static boolean onPath(String program) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) return true;
    }
    return false;
  }

  private static TransactionSender sender(int account) {
    var d = SharedDevnet.get().deployment();
    return new TransactionSender(
        SharedDevnet.web3j(), DevAccounts.account(account), d.chainId(), RetryPolicy.defaults());
  }

  private static VerinferGovernor governor() {
    return VerinferGovernor.load(
        SharedDevnet.get().deployment().address("VerinferGovernor"),
        SharedDevnet.web3j(),
        DevAccounts.account(0),
        new DefaultGasProvider());
  }

  private static VerinferToken token() {
    return VerinferToken.load(
        SharedDevnet.get().deployment().address("VerinferToken"),
        SharedDevnet.web3j(),
        DevAccounts.account(0),
        new DefaultGasProvider());
  }
}
