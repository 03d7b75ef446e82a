package io.verinfer.chain.testing;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.facade.DisputeManagerFacade;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Receipt;
import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A dispute scene on the shared devnet: one model served by {@link #PROVIDERS} staked providers
 * (accounts {@link Actors#PROVIDER_0}…), a challenger (consumer 0) with bonds approved, and helpers
 * to sign receipts and run a committee's votes.
 */
public final class Court {
  public static final int PROVIDERS = 5;
  public static final TokenAmount STAKE = TokenAmount.ofTokens("2000");

  private final Actors actors;
  private final ModelId model;
  private final VerinferChain challenger;
  private final List<VerinferChain> providers = new ArrayList<>();

  public Court(Actors actors, String seed) {
    this.actors = actors;
    this.model = Actors.publish(actors.author(0), "court-" + seed, 1_000);
    for (int i = 0; i < PROVIDERS; i++) {
      VerinferChain p = actors.provider(i);
      p.token().approve(p.providers().address(), STAKE);
      p.providers().stake(STAKE);
      p.providers().register("https://p" + i + ".court.test", Bytes32.ZERO);
      p.providers().setModel(model, TokenAmount.of(10));
      providers.add(p);
    }
    // disputes draw from the stake snapshot at the end of the previous epoch: let one pass
    SharedDevnet.mine(actors.admin().providers().epochBlocks());
    this.challenger = actors.consumer(0);
    challenger
        .token()
        .approve(challenger.disputes().address(), TokenAmount.of(BigInteger.TWO.pow(200)));
  }

  public ModelId model() {
    return model;
  }

  public VerinferChain challenger() {
    return challenger;
  }

  public VerinferChain provider(int i) {
    return providers.get(i);
  }

  /** The chain view of a provider by address (for committee members). */
  public VerinferChain providerAt(Address address) {
    for (int i = 0; i < PROVIDERS; i++) {
      if (Actors.address(Actors.PROVIDER_0 + i).equals(address)) {
        return providers.get(i);
      }
    }
    throw new IllegalArgumentException(address + " is not one of the court's providers");
  }

  /**
   * The SDK example contract asking this court's model, deployed by the challenger with {@code
   * maxFee} per request and a coordinator deposit of {@code deposit} (the challenger's tokens).
   */
  public io.verinfer.chain.bindings.FraudScoreConsumer fraudScoreConsumer(
      TokenAmount maxFee, TokenAmount deposit) {
    return io.verinfer.chain.FraudScoreExample.deploy(challenger, model, maxFee, deposit);
  }

  /**
   * The challenger has {@code consumer} ask for the score of features 1…8, in {@code MODE_NONE} or
   * {@code MODE_OPTIMISTIC}; the mined request transaction.
   */
  public io.verinfer.chain.tx.TxResult requestScore(
      io.verinfer.chain.bindings.FraudScoreConsumer consumer, boolean optimistic) {
    List<BigInteger> features =
        java.util.stream.LongStream.rangeClosed(1, 8).mapToObj(BigInteger::valueOf).toList();
    String call =
        (optimistic ? consumer.requestScoreOptimistic(features) : consumer.requestScore(features))
            .encodeFunctionCall();
    return challenger.sender().send(consumer.getContractAddress(), call);
  }

  public static Address providerAddress(int i) {
    return Actors.address(Actors.PROVIDER_0 + i);
  }

  public static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** A receipt signed by provider {@code i} for {@code input} → {@code output}. */
  public SignedReceipt receipt(int i, byte[] input, byte[] output, long calls) {
    Receipt r =
        new Receipt(
            Actors.address(Actors.CONSUMER_0),
            providerAddress(i),
            model,
            Bytes32.keccak256(input),
            Bytes32.keccak256(output),
            TokenAmount.of(10 * calls),
            calls);
    return SignedReceipt.sign(
        r, actors.admin().channels().domain(), Actors.signer(Actors.PROVIDER_0 + i));
  }

  /** Opens a dispute over provider {@code i}'s receipt and draws its committee. */
  public long openAndDraw(SignedReceipt receipt, byte[] input, byte[] output) {
    long id = challenger.disputes().open(List.of(receipt), input, List.of(output));
    SharedDevnet.mine(); // the anchor block
    challenger.disputes().drawCommittee(id);
    return id;
  }

  /**
   * Opens a dispute over {@code receipt} and draws its committee, trying again one block later
   * (after reverting the attempt) until its seats fall on exactly {@code distinct} members: for
   * tests whose steps name members one by one. Every attempt is a real draw; at most 40.
   */
  public long openAndDraw(SignedReceipt receipt, byte[] input, byte[] output, int distinct) {
    for (int attempt = 0; attempt < 40; attempt++) {
      String before = SharedDevnet.snapshot();
      long id = openAndDraw(receipt, input, output);
      if (challenger.disputes().dispute(id).committee().size() == distinct) {
        return id;
      }
      SharedDevnet.revert(before);
      SharedDevnet.mine();
    }
    throw new IllegalStateException("no draw in 40 put the seats on " + distinct + " members");
  }

  /** A member's salt for a dispute: fixed per (dispute, member) so reveals can find it again. */
  public static Bytes32 salt(long id, Address member) {
    return Bytes32.keccak256(bytes("salt/" + id + "/" + member.value()));
  }

  /** Commits {@code vote} as {@code member}. */
  public void commit(long id, Address member, int vote) {
    providerAt(member)
        .disputes()
        .commitVote(id, DisputeManagerFacade.commitment(id, member, vote, salt(id, member)));
  }

  public void reveal(long id, Address member, int vote) {
    providerAt(member).disputes().revealVote(id, vote, salt(id, member));
  }

  /**
   * Draws the committee of dispute {@code id} (once its anchor block is mined), has every member
   * commit and reveal {@code vote}, and resolves it.
   */
  public void committeeVotes(long id, int vote) {
    var disputes = challenger.disputes();
    SharedDevnet.mine(); // the anchor block
    disputes.drawCommittee(id);
    List<Address> committee = disputes.dispute(id).committee();
    if (committee.isEmpty()) {
      throw new IllegalStateException("dispute " + id + " drew no committee");
    }
    committee.forEach(m -> commit(id, m, vote));
    committee.forEach(m -> reveal(id, m, vote));
    disputes.resolve(id);
  }
}
