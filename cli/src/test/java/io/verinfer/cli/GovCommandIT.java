package io.verinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.chain.gov.GovParam;
import io.verinfer.chain.testing.Enact;
import io.verinfer.chain.testing.SharedDevnet;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code verinfer gov} against the shared devnet: a proposal of two changes made, voted through by
 * four demo accounts (the devnet's quorum), queued and executed, all through the command line.
 */
class GovCommandIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PROPOSAL_ID = Pattern.compile("(?m)^proposal (\\d+)$");
  private static final int PROPOSER = 2;
  private static final int[] VOTERS = {2, 3, 4, 5};

  @TempDir static Path dir;
  private static String deployment;

  @BeforeAll
  static void start() {
    Path file = dir.resolve("deployment.json");
    SharedDevnet.get().deployment().write(file);
    deployment = file.toString();
  }

  record Run(int exit, String out, String err) {}

  private static Run gov(int account, String... args) {
    List<String> all = new ArrayList<>(List.of("gov"));
    all.addAll(List.of(args));
    all.addAll(List.of("--deployment", deployment));
    if (account >= 0) {
      all.addAll(List.of("--dev-account", "" + account));
    }
    CommandLine cli = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void aProposalOfTwoChangesIsProposedVotedQueuedAndExecutedThroughTheCli() throws Exception {
    BigInteger slashBefore = Enact.current(GovParam.SLASH_BPS);
    BigInteger withdrawBefore = Enact.current(GovParam.WITHDRAW_DELAY);
    String slash = slashBefore.equals(BigInteger.valueOf(1500)) ? "1600" : "1500";
    long withdraw = withdrawBefore.longValueExact() + 3_600;

    Run proposed =
        gov(
            PROPOSER,
            "propose",
            "--set",
            "slashBps=" + slash,
            "--set",
            "withdrawDelay=" + withdraw + "s",
            "--description",
            "GovCommandIT " + System.nanoTime() + "\nslash and withdraw delay");
    assertThat(proposed.exit()).as(proposed.err()).isZero();
    assertThat(proposed.out())
        .contains("set slashBps = " + slash + " bps")
        .contains("(now " + slashBefore + " bps")
        .contains("set withdrawDelay = ")
        .contains("verinfer gov vote");
    Matcher m = PROPOSAL_ID.matcher(proposed.out());
    assertThat(m.find()).as(proposed.out()).isTrue();
    String id = m.group(1);

    Run early = gov(VOTERS[1], "vote", id, "for");
    if (early.exit() != 0) { // voting opens one block after the proposal
      assertThat(early.err()).contains("Pending");
      SharedDevnet.mine(1);
    }
    for (int voter : VOTERS) {
      if (voter == VOTERS[1] && early.exit() == 0) continue;
      Run voted = gov(voter, "vote", id, "FOR", "--reason", "devnet test");
      assertThat(voted.exit()).as(voted.err()).isZero();
      assertThat(voted.out()).contains("voted for on proposal " + id);
    }
    JsonNode active = JSON.readTree(gov(-1, "status", id, "--json").out());
    assertThat(active.path("state").asText()).isEqualTo("Active");
    assertThat(active.path("quorum").path("reached").asBoolean()).isTrue();
    SharedDevnet.mine(
        active.path("deadlineBlock").asLong() - active.path("currentBlock").asLong() + 1);

    Run queued = gov(PROPOSER, "queue", id);
    assertThat(queued.exit()).as(queued.err()).isZero();
    assertThat(queued.out()).contains("queued proposal " + id).contains("ETA");

    Run tooEarly = gov(PROPOSER, "execute", id);
    assertThat(tooEarly.exit()).isEqualTo(2);
    assertThat(tooEarly.err()).contains("not yet at its ETA").contains("s left").contains("UTC");
    assertThat(Enact.current(GovParam.SLASH_BPS)).isEqualTo(slashBefore);
    assertThat(JSON.readTree(gov(-1, "status", id, "--json").out()).path("state").asText())
        .isEqualTo("Queued");

    SharedDevnet.increaseTime(Enact.governance(PROPOSER).timelockDelaySeconds() + 1);
    Run executed = gov(PROPOSER, "execute", id);
    assertThat(executed.exit()).as(executed.err()).isZero();
    assertThat(Enact.current(GovParam.SLASH_BPS)).isEqualTo(new BigInteger(slash));
    assertThat(Enact.current(GovParam.WITHDRAW_DELAY)).isEqualTo(BigInteger.valueOf(withdraw));

    JsonNode done = JSON.readTree(gov(-1, "status", id, "--json").out());
    assertThat(done.path("state").asText()).isEqualTo("Executed");
    assertThat(done.path("calls").toString())
        .contains("set slashBps = " + slash + " bps")
        .contains("set withdrawDelay = ");
    Run listed = gov(-1, "status");
    assertThat(listed.out()).contains(id).contains("Executed").contains("GovCommandIT");
  }

  @Test
  void paramsListsEveryGovernedParameter() throws Exception {
    Run params = gov(-1, "params", "--json");
    assertThat(params.exit()).as(params.err()).isZero();
    JsonNode root = JSON.readTree(params.out());
    List<String> keys = new ArrayList<>();
    root.path("params").forEach(p -> keys.add(p.path("key").asText()));
    assertThat(keys).containsExactlyElementsOf(GovParam.keys());
    assertThat(root.path("governor").path("timelockDelaySeconds").asLong()).isPositive();
    Run text = gov(-1, "params");
    assertThat(text.out()).contains("slashBps").contains("100..5000 bps").contains("timelock");
  }

  @Test
  void badValuesAreRefusedNamingTheFieldAndNothingIsProposed() {
    int before = Enact.governance(PROPOSER).proposals().size();
    Run unknown = gov(PROPOSER, "propose", "--set", "foo=1", "--description", "bad");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err()).contains("foo").contains("slashBps");
    Run notNumber = gov(PROPOSER, "propose", "--set", "slashBps=abc", "--description", "bad");
    assertThat(notNumber.exit()).isEqualTo(2);
    assertThat(notNumber.err()).contains("slashBps").contains("abc");
    // outside the contract's bounds: tried as the timelock first, refused before anyone votes
    Run outOfBounds =
        gov(PROPOSER, "propose", "--set", "slashBps=10000", "--description", "take it all");
    assertThat(outOfBounds.exit()).isEqualTo(2);
    assertThat(outOfBounds.err())
        .contains("set slashBps = 10000 bps")
        .contains("ValueOutOfRange")
        .contains("nothing was sent");
    Run noVotes = gov(1, "propose", "--set", "slashBps=1500", "--description", "no votes");
    assertThat(noVotes.exit()).isEqualTo(2);
    assertThat(noVotes.err()).contains("proposal threshold").contains("delegate");
    assertThat(Enact.governance(PROPOSER).proposals()).hasSize(before);
  }

  @Test
  void devnetPrintsTheGovernanceSection() {
    java.io.PrintStream realOut = System.out;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
    int exit;
    try {
      exit =
          Main.commandLine()
              .execute(
                  "devnet",
                  "--chain-only",
                  "--exit-after-start",
                  "--work-dir",
                  dir.resolve("devnet").toString());
    } finally {
      System.setOut(realOut);
    }
    String out = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(exit).as(out).isZero();
    assertThat(out)
        .contains("Governance")
        .contains("VerinferGovernor")
        .contains("voting period 10 blocks")
        .contains("(4 demo accounts)")
        .contains("verinfer gov propose --set slashBps=1500")
        .contains("for a in 2 3 4 5;")
        .contains("hardhat_mine");
  }
}
