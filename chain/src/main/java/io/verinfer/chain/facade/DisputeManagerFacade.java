package io.verinfer.chain.facade;

import io.verinfer.chain.bindings.DisputeManager;
import io.verinfer.chain.tx.ChainException;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Receipt;
import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.web3j.abi.EventEncoder;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.tx.gas.DefaultGasProvider;
import org.web3j.utils.Numeric;

/**
 * DisputeManager: open a dispute over signed receipts, draw the committee, commit and reveal votes,
 * resolve, claim what disputes owe. See the contract's NatSpec for the rules.
 */
public final class DisputeManagerFacade extends ContractFacade {
  /** Where a dispute stands. */
  public enum Phase {
    NONE,
    DRAWING,
    VOTING,
    RESOLVED
  }

  /** The committee's decision about one accused provider. */
  public enum Verdict {
    PENDING,
    GUILTY,
    CLEARED,
    NO_MAJORITY
  }

  /** A dispute as the contract records it. */
  public record DisputeInfo(
      long id,
      Address challenger,
      ModelId model,
      Phase phase,
      Bytes32 inputHash,
      List<Address> accused,
      List<Bytes32> outputHashes,
      List<Integer> guiltyVotes,
      List<Verdict> verdicts,
      List<Address> committee,
      int committed,
      int revealed,
      TokenAmount bond,
      long anchorBlock,
      Instant commitDeadline,
      Instant revealDeadline) {}

  /** What one member did in one dispute ({@code vote} is meaningful once revealed). */
  public record Ballot(boolean committed, boolean revealed, int vote) {}

  private static final String OPENED_TOPIC =
      EventEncoder.encode(DisputeManager.DISPUTEOPENED_EVENT);

  private final DisputeManager binding;

  public DisputeManagerFacade(TransactionSender sender, Address address) {
    super(sender, address);
    this.binding =
        DisputeManager.load(address.value(), sender.web3j(), sender, new DefaultGasProvider());
  }

  /**
   * Opens a dispute over one receipt, or two conflicting receipts for the same input; takes the
   * bond (approve it to this contract first). {@code outputs.get(i)} must hash to receipt i's
   * output hash and {@code input} to their input hash.
   *
   * @return the new dispute's id
   */
  public long open(List<SignedReceipt> receipts, byte[] input, List<byte[]> outputs) {
    Objects.requireNonNull(receipts, "receipts must not be null");
    Objects.requireNonNull(input, "input must not be null");
    Objects.requireNonNull(outputs, "outputs must not be null");
    TxResult result =
        tx(
            binding.openDispute(
                receipts.stream().map(r -> struct(r.receipt())).toList(),
                receipts.stream().map(r -> r.signature().toBytes65()).toList(),
                input,
                outputs));
    for (Log log : result.logs()) {
      if (log.getAddress().equalsIgnoreCase(address.value())
          && !log.getTopics().isEmpty()
          && log.getTopics().get(0).equals(OPENED_TOPIC)) {
        return Numeric.toBigInt(log.getTopics().get(1)).longValueExact();
      }
    }
    throw new ChainException("openDispute mined without a DisputeOpened event: " + result.hash());
  }

  /** Draws the committee once the dispute's anchor block is mined (anyone may). */
  public TxResult drawCommittee(long id) {
    return tx(binding.drawCommittee(BigInteger.valueOf(id)));
  }

  /** Commits a hidden vote: {@link #commitment(long, Address, int, Bytes32)}. */
  public TxResult commitVote(long id, Bytes32 commitment) {
    return tx(binding.commitVote(BigInteger.valueOf(id), commitment.bytes()));
  }

  public TxResult revealVote(long id, int vote, Bytes32 salt) {
    return tx(binding.revealVote(BigInteger.valueOf(id), BigInteger.valueOf(vote), salt.bytes()));
  }

  /** Decides the dispute once every member revealed or the reveal deadline passed (anyone may). */
  public TxResult resolve(long id) {
    return tx(binding.resolve(BigInteger.valueOf(id)));
  }

  /** Withdraws what disputes owe the sender. */
  public TxResult claim() {
    return tx(binding.claim());
  }

  public TokenAmount owed(Address account) {
    return TokenAmount.of(call(binding.owed(account.value())));
  }

  /** Bonds held for disputes not yet resolved. */
  public TokenAmount openBonds() {
    return TokenAmount.of(call(binding.openBonds()));
  }

  public long disputeCount() {
    return call(binding.disputeCount()).longValueExact();
  }

  /** The dispute that holds a receipt (by its EIP-712 digest), if any. */
  public Optional<Long> disputeOfReceipt(Bytes32 receiptDigest) {
    long plusOne = call(binding.disputeOfReceipt(receiptDigest.bytes())).longValueExact();
    return plusOne == 0 ? Optional.empty() : Optional.of(plusOne - 1);
  }

  public DisputeInfo dispute(long id) {
    DisputeManager.DisputeView v = call(binding.getDispute(BigInteger.valueOf(id)));
    return new DisputeInfo(
        id,
        Address.of(v.challenger),
        ModelId.of(v.modelId.longValueExact()),
        Phase.values()[v.phase.intValueExact()],
        Bytes32.of(v.inputHash),
        v.accused.stream().map(Address::of).toList(),
        v.outputHashes.stream().map(Bytes32::of).toList(),
        v.guiltyVotes.stream().map(BigInteger::intValueExact).toList(),
        v.verdicts.stream().map(x -> Verdict.values()[x.intValueExact()]).toList(),
        v.committee.stream().map(Address::of).toList(),
        v.committed.intValueExact(),
        v.revealed.intValueExact(),
        TokenAmount.of(v.bond),
        v.anchorBlock.longValueExact(),
        Instant.ofEpochSecond(v.commitDeadline.longValueExact()),
        Instant.ofEpochSecond(v.revealDeadline.longValueExact()));
  }

  public Ballot ballot(long id, Address member) {
    var b = call(binding.ballotOf(BigInteger.valueOf(id), member.value()));
    return new Ballot(b.component1(), b.component2(), b.component3().intValueExact());
  }

  /**
   * {@code keccak256(abi.encode(id, member, vote, salt))}: what a member commits; computed here,
   * not on the node, so the vote never leaves the member before its reveal.
   */
  public static Bytes32 commitment(long id, Address member, int vote, Bytes32 salt) {
    if (vote < 0 || vote > 0xff) {
      throw new IllegalArgumentException("vote must fit uint8, got " + vote);
    }
    ByteBuffer words = ByteBuffer.allocate(128);
    words.put(Bytes32.fromUnsigned(BigInteger.valueOf(id)).bytes());
    words.put(member.toWord().bytes());
    words.put(Bytes32.fromUnsigned(BigInteger.valueOf(vote)).bytes());
    words.put(salt.bytes());
    return Bytes32.keccak256(words.array());
  }

  /** The contract's own {@code commitmentOf}, to check {@link #commitment} against. */
  public Bytes32 commitmentOnChain(long id, Address member, int vote, Bytes32 salt) {
    return Bytes32.of(
        call(
            binding.commitmentOf(
                BigInteger.valueOf(id), member.value(), BigInteger.valueOf(vote), salt.bytes())));
  }

  static DisputeManager.Receipt struct(Receipt r) {
    return new DisputeManager.Receipt(
        r.consumer().value(),
        r.provider().value(),
        BigInteger.valueOf(r.modelId().value()),
        r.inputHash().bytes(),
        r.outputHash().bytes(),
        r.cumulativeAmount().baseUnits(),
        BigInteger.valueOf(r.cumulativeCalls()));
  }
}
