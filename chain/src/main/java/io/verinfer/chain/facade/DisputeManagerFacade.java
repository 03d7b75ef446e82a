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
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.web3j.abi.EventEncoder;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthLog;
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
    NO_MAJORITY,
    /** No committee judged: too few candidates in the snapshot, or nobody drew in time. */
    NO_COMMITTEE
  }

  /**
   * A dispute as the contract records it. {@code committee} holds distinct members, {@code
   * memberSeats} the seats each holds (their votes count that many times), {@code seats} the
   * committee size in seats; {@code guiltyVotes} counts seats. {@code tolerancePpm} is the model's
   * tolerance fixed when the dispute opened, {@code snapshotEpoch} the stake snapshot the committee
   * is drawn from, {@code drawDeadline} the first block in which the draw lapses.
   */
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
      Instant revealDeadline,
      List<Integer> memberSeats,
      int seats,
      int revealedSeats,
      long tolerancePpm,
      long snapshotEpoch,
      long drawDeadline) {
    public DisputeInfo {
      accused = List.copyOf(accused);
      outputHashes = List.copyOf(outputHashes);
      guiltyVotes = List.copyOf(guiltyVotes);
      verdicts = List.copyOf(verdicts);
      committee = List.copyOf(committee);
      memberSeats = List.copyOf(memberSeats);
    }

    /** Seats {@code member} holds on the committee (0 when it is not on it). */
    public int seatsOf(Address member) {
      int i = committee.indexOf(member);
      return i < 0 ? 0 : memberSeats.get(i);
    }
  }

  /** What one member did in one dispute ({@code vote} is meaningful once revealed). */
  public record Ballot(boolean committed, boolean revealed, int vote) {}

  /**
   * A {@code DisputeOpened} event: the bytes a committee re-executes. The contract checked them
   * against the receipts when it emitted the event; a reader still checks them against {@link
   * #dispute(long)}'s hashes, since the log came through an RPC endpoint.
   *
   * @param input the disputed call's input (canonical tensors or a JSON array of texts)
   * @param outputs accused i's claimed output, in the order of {@code accused}
   * @param block the block the dispute was opened in
   */
  public record Opened(
      long id,
      Address challenger,
      ModelId model,
      List<Address> accused,
      byte[] input,
      List<byte[]> outputs,
      long block) {
    public Opened {
      accused = List.copyOf(accused);
      outputs = List.copyOf(outputs);
    }
  }

  /** A {@code CommitteeDrawn} event: distinct members and the seats each holds. */
  public record CommitteeDrawn(
      long id,
      List<Address> committee,
      List<Integer> seats,
      Instant commitDeadline,
      Instant revealDeadline,
      long block) {
    public CommitteeDrawn {
      committee = List.copyOf(committee);
      seats = List.copyOf(seats);
    }
  }

  /** topic0 of {@code DisputeOpened}. */
  public static final String OPENED_TOPIC = EventEncoder.encode(DisputeManager.DISPUTEOPENED_EVENT);

  /** topic0 of {@code CommitteeDrawn}. */
  public static final String COMMITTEE_DRAWN_TOPIC =
      EventEncoder.encode(DisputeManager.COMMITTEEDRAWN_EVENT);

  /** The most blocks one {@code eth_getLogs} call of {@link #findOpened} asks for. */
  private static final long LOG_RANGE = 2_000;

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
        Instant.ofEpochSecond(v.revealDeadline.longValueExact()),
        v.memberSeats.stream().map(BigInteger::intValueExact).toList(),
        v.seats.intValueExact(),
        v.revealedSeats.intValueExact(),
        v.tolerancePpm.longValueExact(),
        v.snapshotEpoch.longValueExact(),
        v.drawDeadline.longValueExact());
  }

  /** Decodes a {@code DisputeOpened} log (topic0 {@link #OPENED_TOPIC}). */
  public static Opened opened(Log log) {
    requireTopic(log, OPENED_TOPIC, "DisputeOpened");
    DisputeManager.DisputeOpenedEventResponse e = DisputeManager.getDisputeOpenedEventFromLog(log);
    return new Opened(
        e.id.longValueExact(),
        Address.of(e.challenger),
        ModelId.of(e.modelId.longValueExact()),
        e.accused.stream().map(Address::of).toList(),
        e.input,
        e.outputs,
        log.getBlockNumber().longValueExact());
  }

  /** Decodes a {@code CommitteeDrawn} log (topic0 {@link #COMMITTEE_DRAWN_TOPIC}). */
  public static CommitteeDrawn committeeDrawn(Log log) {
    requireTopic(log, COMMITTEE_DRAWN_TOPIC, "CommitteeDrawn");
    DisputeManager.CommitteeDrawnEventResponse e =
        DisputeManager.getCommitteeDrawnEventFromLog(log);
    return new CommitteeDrawn(
        e.id.longValueExact(),
        e.committee.stream().map(Address::of).toList(),
        e.seats.stream().map(BigInteger::intValueExact).toList(),
        Instant.ofEpochSecond(e.commitDeadline.longValueExact()),
        Instant.ofEpochSecond(e.revealDeadline.longValueExact()),
        log.getBlockNumber().longValueExact());
  }

  private static void requireTopic(Log log, String topic, String event) {
    if (log.getTopics().isEmpty() || !log.getTopics().get(0).equalsIgnoreCase(topic)) {
      throw new IllegalArgumentException("log is not a " + event + " event: " + log.getTopics());
    }
  }

  /**
   * The {@code DisputeOpened} event of dispute {@code id}, searched from {@code toBlock} back to
   * {@code fromBlock} in ranges of 2,000 blocks (a dispute is opened shortly before its committee
   * is drawn, so the first range normally holds it).
   *
   * @throws ChainException when the RPC endpoint fails or answers with an error
   */
  public Optional<Opened> findOpened(long id, long fromBlock, long toBlock) {
    String idTopic = Numeric.toHexStringWithPrefixZeroPadded(BigInteger.valueOf(id), 64);
    // Bounded: `to` falls by LOG_RANGE each round until it passes fromBlock.
    for (long to = toBlock; to >= fromBlock; to -= LOG_RANGE) {
      long from = Math.max(fromBlock, to - LOG_RANGE + 1);
      EthFilter filter =
          new EthFilter(
              DefaultBlockParameter.valueOf(BigInteger.valueOf(from)),
              DefaultBlockParameter.valueOf(BigInteger.valueOf(to)),
              address.value());
      filter.addSingleTopic(OPENED_TOPIC);
      filter.addSingleTopic(idTopic);
      EthLog answer;
      try {
        answer = sender.web3j().ethGetLogs(filter).send();
      } catch (IOException | RuntimeException e) {
        throw new ChainException("eth_getLogs for dispute " + id + " failed: " + e.getMessage(), e);
      }
      if (answer.hasError()) {
        throw new ChainException(
            "eth_getLogs for dispute " + id + " failed: " + answer.getError().getMessage());
      }
      for (EthLog.LogResult<?> result : answer.getLogs()) {
        if (result.get() instanceof Log log
            && log.getBlockNumber() != null
            && log.getAddress().equalsIgnoreCase(address.value())) {
          return Optional.of(opened(log));
        }
      }
    }
    return Optional.empty();
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
