package io.verinfer.chain;

import static io.verinfer.chain.testing.Reverts.assertReverts;
import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.facade.DisputeManagerFacade;
import io.verinfer.chain.facade.DisputeManagerFacade.Phase;
import io.verinfer.chain.facade.DisputeManagerFacade.Verdict;
import io.verinfer.chain.facade.ParamsFacade.DisputeParams;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.Court;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.Receipt;
import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** DisputeManager on the devnet: the three outcomes, conflicting receipts, and refusals. */
class DisputeManagerIT {
  private static final byte[] INPUT = Court.bytes("VTN1 input of the disputed call");
  private static final byte[] HONEST = Court.bytes("VTN1 the honest output");
  private static final byte[] FORGED = Court.bytes("VTN1 a corrupted output");

  private String snapshot;
  private Actors actors;
  private Court court;
  private DisputeParams params;

  @BeforeEach
  void setUp() {
    snapshot = SharedDevnet.snapshot();
    actors = new Actors();
    court = new Court(actors, "it-" + System.nanoTime());
    params = actors.admin().params().disputeParams();
  }

  @AfterEach
  void tearDown() {
    actors.close();
    SharedDevnet.revert(snapshot);
  }

  private DisputeManagerFacade disputes() {
    return actors.admin().disputes();
  }

  /** Everything the dispute contract holds is an open bond or owed to someone. */
  private void assertHoldingsAccountedFor(List<Address> accounts) {
    TokenAmount owed = TokenAmount.ZERO;
    for (Address a : accounts) {
      owed = owed.plus(disputes().owed(a));
    }
    assertThat(actors.admin().token().balanceOf(disputes().address()))
        .isEqualTo(disputes().openBonds().plus(owed));
  }

  @Test
  void aGuiltyProviderIsSlashedAndTheChallengerAndMajorityArePaid() {
    SignedReceipt receipt = court.receipt(0, INPUT, FORGED, 7);
    Address challenger = court.challenger().account();
    TokenAmount challengerBefore = court.challenger().token().balanceOf(challenger);
    var slashesBefore =
        actors.admin().reputation().breakdown(court.model(), Court.providerAddress(0));
    long id = court.openAndDraw(receipt, INPUT, FORGED, 3);

    var dispute = disputes().dispute(id);
    assertThat(dispute.phase()).isEqualTo(Phase.VOTING);
    assertThat(dispute.accused()).containsExactly(Court.providerAddress(0));
    assertThat(dispute.committee())
        .hasSize(params.committeeSize())
        .doesNotHaveDuplicates()
        .doesNotContain(Court.providerAddress(0), challenger);
    List<Address> committee = dispute.committee();
    // the Java commitment is the contract's
    assertThat(
            DisputeManagerFacade.commitment(
                id, committee.get(0), 1, Court.salt(id, committee.get(0))))
        .isEqualTo(
            disputes()
                .commitmentOnChain(id, committee.get(0), 1, Court.salt(id, committee.get(0))));

    int[] votes = {1, 1, 0}; // the third member dissents: it is neither rewarded nor punished
    for (int i = 0; i < committee.size(); i++) {
      court.commit(id, committee.get(i), votes[i]);
    }
    // nothing about the votes is readable before the reveals
    assertThat(disputes().dispute(id).guiltyVotes()).containsExactly(0);
    for (Address m : committee) {
      assertThat(disputes().ballot(id, m))
          .isEqualTo(new DisputeManagerFacade.Ballot(true, false, 0));
    }
    for (int i = 0; i < committee.size(); i++) {
      court.reveal(id, committee.get(i), votes[i]);
    }
    disputes().resolve(id);

    var resolved = disputes().dispute(id);
    assertThat(resolved.phase()).isEqualTo(Phase.RESOLVED);
    assertThat(resolved.verdicts()).containsExactly(Verdict.GUILTY);
    // the lost dispute is on its record: one more slash, a quarter of its score gone
    var reputation = actors.admin().reputation();
    var after = reputation.breakdown(court.model(), Court.providerAddress(0));
    assertThat(after.slashes()).isEqualTo(slashesBefore.slashes() + 1);
    assertThat(after.penalty())
        .isEqualTo(slashesBefore.penalty() - reputation.params().slashPenaltyBps());
    assertThat(after.score()).isLessThan(slashesBefore.score());
    BigInteger slashed =
        Court.STAKE.baseUnits().multiply(BigInteger.valueOf(params.slashBps())).divide(BPS);
    assertThat(actors.admin().providers().stakeOf(Court.providerAddress(0)))
        .isEqualTo(Court.STAKE.minus(TokenAmount.of(slashed)));
    BigInteger toChallenger =
        slashed.multiply(BigInteger.valueOf(params.challengerRewardBps())).divide(BPS);
    BigInteger pool = slashed.multiply(BigInteger.valueOf(params.voterRewardBps())).divide(BPS);
    BigInteger each = pool.divide(BigInteger.TWO);
    assertThat(disputes().owed(challenger))
        .isEqualTo(params.disputeBond().plus(TokenAmount.of(toChallenger)));
    assertThat(disputes().owed(committee.get(0))).isEqualTo(TokenAmount.of(each));
    assertThat(disputes().owed(committee.get(1))).isEqualTo(TokenAmount.of(each));
    assertThat(disputes().owed(committee.get(2))).isEqualTo(TokenAmount.ZERO);
    assertThat(disputes().owed(actors.treasury()))
        .isEqualTo(
            TokenAmount.of(slashed.subtract(toChallenger).subtract(each.multiply(BigInteger.TWO))));
    assertHoldingsAccountedFor(
        List.of(
            challenger, committee.get(0), committee.get(1), committee.get(2), actors.treasury()));

    court.challenger().disputes().claim();
    assertThat(court.challenger().token().balanceOf(challenger))
        .isEqualTo(challengerBefore.plus(TokenAmount.of(toChallenger)));
    assertReverts(() -> court.challenger().disputes().claim(), "NothingToClaim");
    // a judged receipt cannot be disputed again
    assertReverts(
        () -> court.challenger().disputes().open(List.of(receipt), INPUT, List.of(FORGED)),
        "AlreadyDisputed");
  }

  @Test
  void aFalseChallengeLosesItsBondAndMovesNoStake() {
    SignedReceipt receipt = court.receipt(0, INPUT, HONEST, 3);
    long id = court.openAndDraw(receipt, INPUT, HONEST, 3);
    List<Address> committee = disputes().dispute(id).committee();
    for (Address m : committee) {
      court.commit(id, m, 0);
    }
    for (Address m : committee) {
      court.reveal(id, m, 0);
    }
    disputes().resolve(id);

    assertThat(disputes().dispute(id).verdicts()).containsExactly(Verdict.CLEARED);
    assertThat(actors.admin().providers().stakeOf(Court.providerAddress(0))).isEqualTo(Court.STAKE);
    BigInteger bond = params.disputeBond().baseUnits();
    BigInteger pool = bond.multiply(BigInteger.valueOf(params.voterRewardBps())).divide(BPS);
    BigInteger each = pool.divide(BigInteger.valueOf(committee.size()));
    assertThat(disputes().owed(court.challenger().account())).isEqualTo(TokenAmount.ZERO);
    for (Address m : committee) {
      assertThat(disputes().owed(m)).isEqualTo(TokenAmount.of(each));
    }
    assertThat(disputes().owed(Court.providerAddress(0)))
        .isEqualTo(
            TokenAmount.of(bond.subtract(each.multiply(BigInteger.valueOf(committee.size())))));
  }

  @Test
  void withoutAMajorityNoStakeMovesAndSilentMembersArePenalized() {
    SignedReceipt receipt = court.receipt(0, INPUT, FORGED, 1);
    long id = court.openAndDraw(receipt, INPUT, FORGED, 3);
    List<Address> committee = disputes().dispute(id).committee();
    court.commit(id, committee.get(0), 1);
    court.commit(id, committee.get(1), 1); // commits but never reveals
    // committee.get(2) does nothing at all
    assertReverts(() -> court.reveal(id, committee.get(0), 1), "TooEarly");
    SharedDevnet.increaseTime(params.commitWindow().toSeconds() + 1);
    assertReverts(() -> court.commit(id, committee.get(2), 1), "TooLate");
    court.reveal(id, committee.get(0), 1);
    assertReverts(() -> disputes().resolve(id), "TooEarly");
    SharedDevnet.increaseTime(params.revealWindow().toSeconds() + 1);
    disputes().resolve(id);

    assertThat(disputes().dispute(id).verdicts()).containsExactly(Verdict.NO_MAJORITY);
    assertThat(actors.admin().providers().stakeOf(Court.providerAddress(0))).isEqualTo(Court.STAKE);
    assertThat(disputes().owed(court.challenger().account())).isEqualTo(params.disputeBond());
    assertThat(actors.admin().providers().stakeOf(committee.get(0))).isEqualTo(Court.STAKE);
    assertThat(actors.admin().providers().stakeOf(committee.get(1)))
        .isEqualTo(Court.STAKE.minus(params.nonRevealPenalty()));
    assertThat(actors.admin().providers().stakeOf(committee.get(2)))
        .isEqualTo(Court.STAKE.minus(params.nonRevealPenalty()));
    // undecided: the receipt may be disputed again
    assertThat(court.challenger().disputes().open(List.of(receipt), INPUT, List.of(FORGED)))
        .isEqualTo(id + 1);
  }

  @Test
  void aMemberDrawnTwiceVotesAndIsPaidWithBothSeats() {
    SignedReceipt receipt = court.receipt(0, INPUT, FORGED, 2);
    long id = court.openAndDraw(receipt, INPUT, FORGED, 2);
    var dispute = disputes().dispute(id);
    assertThat(dispute.seats()).isEqualTo(params.committeeSize()).isEqualTo(3);
    Address twice =
        dispute.memberSeats().get(0) == 2 ? dispute.committee().get(0) : dispute.committee().get(1);
    Address once =
        dispute.committee().get(0).equals(twice)
            ? dispute.committee().get(1)
            : dispute.committee().get(0);
    assertThat(dispute.seatsOf(twice)).isEqualTo(2);
    assertThat(dispute.seatsOf(once)).isEqualTo(1);
    // two seats against one: the member holding two decides, as a majority of stake would
    court.commit(id, twice, 1);
    court.commit(id, once, 0);
    court.reveal(id, twice, 1);
    court.reveal(id, once, 0);
    disputes().resolve(id);

    var resolved = disputes().dispute(id);
    assertThat(resolved.verdicts()).containsExactly(Verdict.GUILTY);
    assertThat(resolved.guiltyVotes()).containsExactly(2);
    assertThat(resolved.revealedSeats()).isEqualTo(3);
    BigInteger slashed =
        Court.STAKE.baseUnits().multiply(BigInteger.valueOf(params.slashBps())).divide(BPS);
    BigInteger pool = slashed.multiply(BigInteger.valueOf(params.voterRewardBps())).divide(BPS);
    // the voters' pool is per seat: both of its seats voted guilty, so it takes all of it
    assertThat(disputes().owed(twice))
        .isEqualTo(TokenAmount.of(pool.divide(BigInteger.TWO).multiply(BigInteger.TWO)));
    assertThat(disputes().owed(once)).isEqualTo(TokenAmount.ZERO);
  }

  @Test
  void theToleranceMembersVoteByIsTheOneInForceWhenTheDisputeOpened() {
    long id = court.openAndDraw(court.receipt(0, INPUT, FORGED, 5), INPUT, FORGED);
    var model = actors.admin().models().model(court.model());
    assertThat(disputes().dispute(id).tolerancePpm())
        .isEqualTo(model.tolerancePpm())
        .isEqualTo(1_000);
    // the author loosens the tolerance after the dispute opened, and the change takes effect
    actors
        .author(0)
        .models()
        .update(court.model(), model.schemaHash(), model.royaltyBps(), 900_000);
    SharedDevnet.increaseTime(actors.admin().params().termsNotice().toSeconds() + 1);
    assertThat(actors.admin().models().model(court.model()).tolerancePpm()).isEqualTo(900_000);
    assertThat(disputes().dispute(id).tolerancePpm()).isEqualTo(1_000);
  }

  @Test
  void twoConflictingReceiptsAreJudgedTogether() {
    SignedReceipt wrong = court.receipt(0, INPUT, FORGED, 4);
    SignedReceipt right = court.receipt(1, INPUT, HONEST, 9);
    long id =
        court.challenger().disputes().open(List.of(wrong, right), INPUT, List.of(FORGED, HONEST));
    SharedDevnet.mine();
    var drawn =
        disputes().drawCommittee(id).logs().stream()
            .filter(l -> l.getTopics().get(0).equals(DisputeManagerFacade.COMMITTEE_DRAWN_TOPIC))
            .map(DisputeManagerFacade::committeeDrawn)
            .findFirst()
            .orElseThrow();
    var dispute = disputes().dispute(id);
    List<Address> committee = dispute.committee();
    // what a committee member reads from the events: who, until when, and the disputed bytes
    assertThat(drawn.id()).isEqualTo(id);
    assertThat(drawn.committee()).isEqualTo(committee);
    assertThat(drawn.commitDeadline()).isEqualTo(dispute.commitDeadline());
    assertThat(drawn.revealDeadline()).isEqualTo(dispute.revealDeadline());
    var opened = disputes().findOpened(id, 0, drawn.block()).orElseThrow();
    assertThat(opened.model()).isEqualTo(court.model());
    assertThat(opened.challenger()).isEqualTo(court.challenger().account());
    assertThat(opened.accused()).isEqualTo(dispute.accused());
    assertThat(opened.input()).isEqualTo(INPUT);
    assertThat(opened.outputs()).containsExactly(FORGED, HONEST);
    assertThat(opened.block()).isEqualTo(dispute.anchorBlock() - 1);
    assertThat(disputes().findOpened(id + 1, 0, drawn.block())).isEmpty();
    assertThat(committee).doesNotContain(Court.providerAddress(0), Court.providerAddress(1));
    for (Address m : committee) {
      court.commit(id, m, 0b01); // accused 0 is wrong, accused 1 is right
    }
    for (Address m : committee) {
      court.reveal(id, m, 0b01);
    }
    disputes().resolve(id);
    assertThat(disputes().dispute(id).verdicts()).containsExactly(Verdict.GUILTY, Verdict.CLEARED);
    assertThat(actors.admin().providers().stakeOf(Court.providerAddress(0)))
        .isLessThan(Court.STAKE);
    assertThat(actors.admin().providers().stakeOf(Court.providerAddress(1))).isEqualTo(Court.STAKE);
    assertThat(disputes().owed(court.challenger().account())).isGreaterThan(params.disputeBond());
  }

  @Test
  void badDisputesAreRefusedAndChangeNothing() {
    var challenger = court.challenger().disputes();
    SignedReceipt receipt = court.receipt(0, INPUT, FORGED, 1);
    // signed by someone other than the receipt's provider
    Receipt r = receipt.receipt();
    SignedReceipt forged =
        new SignedReceipt(
            r, Actors.signer(Actors.OUTSIDER).sign(r.digest(actors.admin().channels().domain())));
    assertReverts(
        () -> challenger.open(List.of(forged), INPUT, List.of(FORGED)), "SignatureMismatch");
    assertReverts(
        () -> challenger.open(List.of(receipt), Court.bytes("other"), List.of(FORGED)),
        "HashMismatch");
    assertReverts(() -> challenger.open(List.of(receipt), INPUT, List.of(HONEST)), "HashMismatch");
    assertReverts(() -> challenger.open(List.of(), INPUT, List.of()), "NoReceipts");
    byte[] big = new byte[params.maxDisputeBytes() + 1];
    SignedReceipt bigReceipt = court.receipt(0, big, FORGED, 2);
    assertReverts(
        () -> challenger.open(List.of(bigReceipt), big, List.of(FORGED)), "DisputeDataTooLarge");
    SignedReceipt same = court.receipt(1, INPUT, FORGED, 1);
    assertReverts(
        () -> challenger.open(List.of(receipt, same), INPUT, List.of(FORGED, FORGED)),
        "SameOutput");
    assertThat(challenger.disputeCount()).isZero();
    assertThat(challenger.openBonds()).isEqualTo(TokenAmount.ZERO);

    long id = court.openAndDraw(receipt, INPUT, FORGED);
    Address outsider = Actors.address(Actors.OUTSIDER);
    assertReverts(
        () ->
            actors
                .account(Actors.OUTSIDER)
                .disputes()
                .commitVote(id, DisputeManagerFacade.commitment(id, outsider, 1, Bytes32.ZERO)),
        "NotOnCommittee");
    List<Address> committee = disputes().dispute(id).committee();
    for (Address m : committee) {
      court.commit(id, m, 1);
    }
    assertReverts(() -> court.commit(id, committee.get(0), 1), "AlreadyCommitted");
    assertReverts(
        () ->
            court
                .providerAt(committee.get(0))
                .disputes()
                .revealVote(id, 0, Court.salt(id, committee.get(0))),
        "CommitmentMismatch");
    assertReverts(
        () -> court.providerAt(committee.get(0)).disputes().revealVote(id, 2, Bytes32.ZERO),
        "InvalidVote");
    assertReverts(() -> disputes().drawCommittee(id), "WrongPhase");
  }

  private static final BigInteger BPS = BigInteger.valueOf(10_000);
}
