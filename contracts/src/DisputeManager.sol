// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ModelRegistry} from "./ModelRegistry.sol";
import {PaymentChannels} from "./PaymentChannels.sol";
import {ProtocolParams} from "./ProtocolParams.sol";
import {ProviderRegistry} from "./ProviderRegistry.sol";
import {DisputeRecords} from "./DisputeRecords.sol";

/// @title DisputeManager
/// @notice Fraud proofs for inference. Anyone holding a provider's signed receipt — or two
///         conflicting receipts for the same input and model — opens a dispute with a bond, the
///         input and the claimed output(s). A committee of staked providers serving that model is
///         drawn at random, stake-weighted; each member re-executes, commits a hidden verdict,
///         then reveals it. A majority of the committee's seats decides; the guilty provider is
///         slashed (`ProviderRegistry.slash`), a false challenge loses its bond, and a member who
///         does not reveal in time is penalised.
///
///         On-chain answers. The `InferenceCoordinator` (wired once by the deployer) opens
///         disputes over optimistic answers its providers proposed on-chain
///         (`openFulfilmentDispute`): the fulfilling transaction stands for the signature, the
///         event carries no receipt, and everything after opening is the same.
///
///         Data. The receipt's `inputHash` must equal keccak256(input) and each accused receipt's
///         `outputHash` keccak256(its output): for tensor calls both are Verinfer's canonical
///         tensor encoding ("VTN1…"), for `/v1/embeddings` the input is the texts as a compact
///         JSON array. The contract stores only hashes; the bytes travel in the
///         `DisputeOpened` event, from which committee members read them. Input plus outputs may
///         hold at most `maxDisputeBytes` (a `ProtocolParams` value, at most 128 KiB: about
///         3 million gas of calldata and log data). Above that a call cannot be disputed on-chain;
///         the receipt stays a signed proof the consumer can use off-chain.
///
///         Committee. Opening fixes everything the draw reads: the snapshot (the model's sortition
///         tree in `ProviderRegistry` at the end of the epoch before the one the dispute opened
///         in — stake moved, models listed or removed after opening change nothing), the anchor
///         block (the next one) and the model's tolerance. `drawCommittee` (anyone, once, after
///         the anchor block and before `drawDeadlineOf(snapshotEpoch)`) draws `committeeSize`
///         seats with replacement, each stake-weighted from the snapshot without the accused and
///         the challenger; a provider drawn twice holds two seats and its vote counts twice, so
///         a majority costs a majority of the model's stake, not a number of addresses. With
///         fewer than `MIN_CANDIDATES` distinct candidates in the snapshot no committee is drawn:
///         the dispute ends `NoCommittee` and the bond goes back (the coordinator refuses
///         optimistic requests for models below that, and delivers a `NoCommittee` answer). A
///         draw not made by the deadline lapses: `NoCommittee`, the bond goes to the accused and
///         the receipts stay judged — letting a draw lapse and opening again would re-roll the
///         committee, so it costs the bond. There is no re-anchoring.
///
///         Randomness. The seats come from `blockhash(anchorBlock)`, so the challenger cannot
///         know them when opening. Limits: the proposer of the anchor block can bias the draw by
///         withholding its block (forfeiting its reward), and on a chain with a single sequencer
///         (an L2, the devnet) the sequencer can choose it outright. A production network should
///         replace it with a verifiable random function; the rest of the protocol is unchanged.
///
///         Votes. A vote is a bit mask: bit i set means "accused i's output is wrong" (it does
///         not match a re-execution within the model's tolerance). The commitment is
///         keccak256(abi.encode(disputeId, member, vote, salt)) with a secret 32-byte salt, so a
///         vote cannot be read before its reveal; reveals open only when every member has
///         committed or the commit window has closed.
///
///         Decision and money (base units, exact, rounding down; dust goes to the treasury):
///           accused i guilty  ⇔ more than half of the committee's seats revealed bit i set
///           accused i cleared ⇔ more than half of the committee's seats revealed bit i clear
///           guilty:  slashed = (stake + unbonding) · slashBps / 10 000 of the accused;
///                    challenger gets slashed · challengerRewardBps / 10 000, the seats that
///                    voted it guilty share slashed · voterRewardBps / 10 000, the treasury the
///                    rest. The bond goes back to the challenger.
///           all cleared: the bond is lost: the seats that voted every accused innocent share
///                    bond · voterRewardBps / 10 000, the cleared providers share the rest.
///           lapsed draw: the bond goes to the accused; no stake moves.
///           otherwise (no majority either way, or too few candidates): the bond goes back;
///                    no stake of any accused moves.
///           While a dispute is open its accused cannot withdraw unbonded stake
///           (`ProviderRegistry.holdStake`), so leaving cannot escape the verdict.
///           A member who committed nothing or revealed nothing is slashed `nonRevealPenalty`
///           per seat (to the treasury) when the dispute resolves.
///         Payouts accrue in `owed` and are withdrawn with `claim`, so one failing recipient
///         cannot block a resolution. Tokens held = open bonds + owed, always.
contract DisputeManager is DisputeRecords, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint256 private constant BPS = 10_000;

    IERC20 public immutable token;
    ProtocolParams public immutable params;
    ProviderRegistry public immutable providers;
    PaymentChannels public immutable channels;
    ModelRegistry public immutable models;
    uint64 private immutable _epochLength;
    /// @dev Who may wire the coordinator once (the deployer).
    address private immutable _wirer;
    /// @notice The InferenceCoordinator whose optimistic answers may be disputed (set once).
    address public coordinator;

    event DisputeOpened(
        uint256 indexed id,
        address indexed challenger,
        uint64 indexed modelId,
        address[] accused,
        PaymentChannels.Receipt[] receipts,
        bytes input,
        bytes[] outputs,
        uint256 bond,
        uint64 anchorBlock
    );
    event CommitteeDrawn(
        uint256 indexed id, address[] committee, uint8[] seats, uint64 commitDeadline, uint64 revealDeadline
    );
    /// @notice No committee: too few candidates (`lapsed` false) or nobody drew in time (true).
    event NoCommittee(uint256 indexed id, uint256 candidates, bool lapsed);
    event VoteCommitted(uint256 indexed id, address indexed member);
    event VoteRevealed(uint256 indexed id, address indexed member, uint8 vote);
    event DisputeResolved(uint256 indexed id, Verdict[] verdicts, uint256[] slashed, bool bondReturned);
    event MemberPenalized(uint256 indexed id, address indexed member, uint256 amount);
    event Claimed(address indexed account, uint256 amount);

    error NoReceipts();
    error TooManyReceipts(uint256 count, uint256 max);
    error SignatureMismatch(uint256 index, address signer, address provider);
    error ReceiptsDisagree(string field);
    error SameProvider(address provider);
    error SameOutput();
    error HashMismatch(string field, uint256 index);
    error DisputeDataTooLarge(uint256 size, uint256 max);
    error AlreadyDisputed(bytes32 receiptDigest, uint256 disputeId);
    error WrongPhase(uint256 id, Phase phase);
    error TooEarly(uint256 id, uint256 notBefore);
    error TooLate(uint256 id, uint256 deadline);
    error NotOnCommittee(uint256 id, address member);
    error AlreadyCommitted(uint256 id, address member);
    error ZeroCommitment(uint256 id, address member);
    error NotCommitted(uint256 id, address member);
    error AlreadyRevealed(uint256 id, address member);
    error CommitmentMismatch(uint256 id, address member);
    error InvalidVote(uint8 vote, uint8 accusedCount);
    error NothingToClaim();
    error OnlyCoordinator(address caller);
    error CoordinatorAlreadySet(address coordinator);

    constructor(IERC20 token_, ProtocolParams params_, ProviderRegistry providers_, PaymentChannels channels_) {
        token = token_;
        params = params_;
        providers = providers_;
        channels = channels_;
        models = channels_.models();
        _epochLength = uint64(providers_.epochBlocks());
        _wirer = msg.sender;
    }

    /// @notice Names the InferenceCoordinator (once, by the deployer): it alone opens disputes
    ///         over on-chain fulfilments, which carry no signed receipt.
    function setCoordinator(address coordinator_) external {
        if (msg.sender != _wirer) revert OnlyCoordinator(msg.sender);
        if (coordinator != address(0)) revert CoordinatorAlreadySet(coordinator);
        coordinator = coordinator_;
    }

    // ------------------------------------------------------------------------------------ open

    /// @notice Opens a dispute over one receipt (`receipts.length == 1`) or two conflicting
    ///         receipts for the same input and model. `signatures[i]` is the provider's 65-byte
    ///         EIP-712 signature of `receipts[i]` (PaymentChannels' domain); `outputs[i]` the
    ///         bytes whose keccak256 is its `outputHash`. Takes `disputeBond` from the caller
    ///         (ERC-20 allowance needed).
    function openDispute(
        PaymentChannels.Receipt[] calldata receipts,
        bytes[] calldata signatures,
        bytes calldata input,
        bytes[] calldata outputs
    ) external nonReentrant returns (uint256 id) {
        uint256 n = _checkShape(receipts, signatures, input, outputs);
        id = ++disputeCount;
        Dispute storage d = _disputes[id];
        address[] memory accused = new address[](n);
        for (uint256 i = 0; i < n; i++) {
            PaymentChannels.Receipt calldata rc = receipts[i];
            if (keccak256(outputs[i]) != rc.outputHash) revert HashMismatch("output", i);
            bytes32 digest = channels.receiptDigest(rc);
            (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, signatures[i]);
            if (err != ECDSA.RecoverError.NoError || signer != rc.provider) {
                revert SignatureMismatch(i, signer, rc.provider);
            }
            uint256 previous = disputeOfReceipt[digest];
            if (previous != 0) revert AlreadyDisputed(digest, previous - 1);
            disputeOfReceipt[digest] = id + 1;
            _receiptDigests[id].push(digest);
            d.accused[i] = rc.provider;
            d.outputHash[i] = rc.outputHash;
            accused[i] = rc.provider;
            providers.holdStake(rc.provider);
        }
        uint128 bond = _fix(d, msg.sender, receipts[0].modelId, receipts[0].inputHash);
        d.accusedCount = uint8(n);
        emit DisputeOpened(id, msg.sender, d.modelId, accused, receipts, input, outputs, bond, d.anchorBlock);
        if (bond > 0) token.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @notice Opens a dispute over an optimistic answer `accused` gave on-chain (only the
    ///         coordinator calls this, from its `challenge`): the fulfilling transaction is the
    ///         provider's signature, so the event carries no receipt. The bond is taken from
    ///         `challenger` (allowance to this contract needed); the rest is as for receipts.
    function openFulfilmentDispute(
        address challenger,
        address accused,
        uint64 modelId,
        bytes calldata input,
        bytes calldata output
    ) external nonReentrant returns (uint256 id) {
        if (msg.sender != coordinator || msg.sender == address(0)) revert OnlyCoordinator(msg.sender);
        // the coordinator accepted this input and output under limits that sum to at most the hard
        // cap, whatever governance changed since: every accepted answer stays disputable
        uint256 maxBytes = ProtocolParams(address(params)).MAX_DISPUTE_BYTES();
        if (input.length + output.length > maxBytes) {
            revert DisputeDataTooLarge(input.length + output.length, maxBytes);
        }
        id = ++disputeCount;
        Dispute storage d = _disputes[id];
        d.accused[0] = accused;
        d.outputHash[0] = keccak256(output);
        providers.holdStake(accused);
        uint128 bond = _fix(d, challenger, modelId, keccak256(input));
        d.accusedCount = 1;
        address[] memory accusedList = new address[](1);
        accusedList[0] = accused;
        bytes[] memory outputs = new bytes[](1);
        outputs[0] = output;
        emit DisputeOpened(
            id, challenger, modelId, accusedList, new PaymentChannels.Receipt[](0), input, outputs, bond, d.anchorBlock
        );
        if (bond > 0) token.safeTransferFrom(challenger, address(this), bond);
    }

    /// @dev Fixes at opening everything the draw and the verdict read: the challenger, the
    ///      model and its tolerance now, the snapshot epoch (the last complete one), the anchor
    ///      block (the next one) and the bond; returns the bond.
    function _fix(Dispute storage d, address challenger, uint64 modelId, bytes32 inputHash)
        private
        returns (uint128 bond)
    {
        bond = params.disputeBond();
        d.challenger = challenger;
        d.modelId = modelId;
        d.phase = Phase.Drawing;
        d.bond = bond;
        d.anchorBlock = uint64(block.number + 1);
        uint256 epoch = providers.currentEpoch();
        if (epoch == 0) revert TooEarly(0, _epochLength); // no complete epoch to snapshot yet
        d.snapshotEpoch = uint64(epoch - 1);
        d.tolerancePpm = models.toleranceOf(modelId);
        d.inputHash = inputHash;
        openBonds += bond;
    }

    /// @dev Counts, sizes, the input hash and agreement between two receipts; returns the count.
    function _checkShape(
        PaymentChannels.Receipt[] calldata receipts,
        bytes[] calldata signatures,
        bytes calldata input,
        bytes[] calldata outputs
    ) private view returns (uint256 n) {
        n = receipts.length;
        if (n == 0) revert NoReceipts();
        if (n > MAX_ACCUSED) revert TooManyReceipts(n, MAX_ACCUSED);
        if (signatures.length != n) revert ReceiptsDisagree("signatures");
        if (outputs.length != n) revert ReceiptsDisagree("outputs");
        uint256 size = input.length;
        for (uint256 i = 0; i < n; i++) {
            size += outputs[i].length;
        }
        uint256 maxBytes = params.maxDisputeBytes();
        if (size > maxBytes) revert DisputeDataTooLarge(size, maxBytes);
        if (keccak256(input) != receipts[0].inputHash) revert HashMismatch("input", 0);
        if (n == 2) {
            if (receipts[1].inputHash != receipts[0].inputHash) revert ReceiptsDisagree("inputHash");
            if (receipts[1].modelId != receipts[0].modelId) revert ReceiptsDisagree("modelId");
            if (receipts[1].provider == receipts[0].provider) revert SameProvider(receipts[0].provider);
            if (receipts[1].outputHash == receipts[0].outputHash) revert SameOutput();
        }
    }

    // ---------------------------------------------------------------------------------- draw

    /// @notice Draws the committee once the anchor block is mined and before the draw deadline
    ///         (anyone may call, once): `committeeSize` seats, each stake-weighted from the
    ///         snapshot without the accused and the challenger, seeded by the anchor block's hash.
    ///         Ends the dispute `NoCommittee` instead when the snapshot holds fewer than
    ///         `MIN_CANDIDATES` candidates, or when the deadline has passed (lapsed).
    function drawCommittee(uint256 id) external {
        Dispute storage d = _disputes[id];
        if (d.phase != Phase.Drawing) revert WrongPhase(id, d.phase);
        if (block.number <= d.anchorBlock) revert TooEarly(id, uint256(d.anchorBlock) + 1);
        if (block.number >= drawDeadlineOf(d.snapshotEpoch)) {
            _resolveWithoutCommittee(id, d, 0, true);
            return;
        }
        uint64 modelId = d.modelId;
        uint256 epoch = d.snapshotEpoch;
        address[3] memory excluded = [d.challenger, d.accused[0], d.accused[1]];
        (uint256 candidates, uint256 weight) = _candidates(modelId, epoch, excluded);
        if (candidates < MIN_CANDIDATES) {
            _resolveWithoutCommittee(id, d, candidates, false);
            return;
        }
        (uint8 size, uint64 commitWindow, uint64 revealWindow) = params.committeeConfig();
        uint256 seed = uint256(keccak256(abi.encode(blockhash(d.anchorBlock), id)));
        address[] memory members = new address[](size);
        uint8[] memory seats = new uint8[](size);
        uint256 count = 0;
        for (uint256 s = 0; s < size; s++) {
            uint256 r = uint256(keccak256(abi.encode(seed, s))) % weight;
            address m = providers.drawAt(modelId, epoch, r, excluded);
            uint256 j = 0;
            while (j < count && members[j] != m) j++;
            if (j == count) members[count++] = m;
            seats[j] += 1;
        }
        address[] storage committee = d.committee;
        uint8[] memory memberSeats = new uint8[](count);
        for (uint256 j = 0; j < count; j++) {
            committee.push(members[j]);
            _ballots[id][members[j]].seats = seats[j];
            memberSeats[j] = seats[j];
        }
        d.committeeSize = uint8(count);
        d.seats = size;
        d.phase = Phase.Voting;
        d.commitDeadline = uint64(block.timestamp) + commitWindow;
        d.revealDeadline = d.commitDeadline + revealWindow;
        emit CommitteeDrawn(id, committee, memberSeats, d.commitDeadline, d.revealDeadline);
    }

    /// @dev Distinct candidates and their total weight in the snapshot, without `excluded`.
    function _candidates(uint64 modelId, uint256 epoch, address[3] memory excluded)
        private
        view
        returns (uint256 candidates, uint256 weight)
    {
        candidates = providers.eligibleAt(modelId, epoch);
        weight = providers.totalAt(modelId, epoch);
        for (uint256 i = 0; i < 3; i++) {
            address x = excluded[i];
            if (x == address(0) || (i > 0 && x == excluded[0]) || (i > 1 && x == excluded[1])) continue;
            uint256 w = providers.weightAt(modelId, x, epoch);
            if (w == 0) continue;
            candidates -= 1;
            weight -= w;
        }
    }

    // ---------------------------------------------------------------------------------- vote

    /// @notice A member's hidden vote: keccak256(abi.encode(id, member, vote, salt)).
    function commitVote(uint256 id, bytes32 commitment) external {
        Dispute storage d = _disputes[id];
        if (d.phase != Phase.Voting) revert WrongPhase(id, d.phase);
        if (block.timestamp > d.commitDeadline) revert TooLate(id, d.commitDeadline);
        // a zero commitment would read as "not committed": counted again and again, it could
        // open the reveals early and let its sender commit last, after reading the others
        if (commitment == bytes32(0)) revert ZeroCommitment(id, msg.sender);
        Ballot storage b = _ballots[id][msg.sender];
        if (b.seats == 0) revert NotOnCommittee(id, msg.sender);
        if (b.commitment != bytes32(0)) revert AlreadyCommitted(id, msg.sender);
        b.commitment = commitment;
        d.committed += 1;
        emit VoteCommitted(id, msg.sender);
    }

    /// @notice Reveals a committed vote. Open once every member committed or the commit window
    ///         closed, until the reveal deadline.
    function revealVote(uint256 id, uint8 vote, bytes32 salt) external {
        Dispute storage d = _disputes[id];
        if (d.phase != Phase.Voting) revert WrongPhase(id, d.phase);
        if (d.committed < d.committeeSize && block.timestamp <= d.commitDeadline) {
            revert TooEarly(id, uint256(d.commitDeadline) + 1);
        }
        if (block.timestamp > d.revealDeadline) revert TooLate(id, d.revealDeadline);
        if (vote >= (1 << d.accusedCount)) revert InvalidVote(vote, d.accusedCount);
        Ballot storage b = _ballots[id][msg.sender];
        if (b.commitment == bytes32(0)) revert NotCommitted(id, msg.sender);
        if (b.revealed) revert AlreadyRevealed(id, msg.sender);
        if (commitmentOf(id, msg.sender, vote, salt) != b.commitment) revert CommitmentMismatch(id, msg.sender);
        b.revealed = true;
        b.vote = vote;
        d.revealed += 1;
        uint8 seats = b.seats;
        d.revealedSeats += seats;
        for (uint256 i = 0; i < d.accusedCount; i++) {
            if (vote & (1 << i) != 0) d.guiltyVotes[i] += seats;
        }
        emit VoteRevealed(id, msg.sender, vote);
    }

    // ------------------------------------------------------------------------------- resolve

    /// @notice Decides once every member revealed or the reveal deadline passed (anyone may call).
    function resolve(uint256 id) external nonReentrant {
        Dispute storage d = _disputes[id];
        if (d.phase != Phase.Voting) revert WrongPhase(id, d.phase);
        if (d.revealed < d.committeeSize && block.timestamp <= d.revealDeadline) {
            revert TooEarly(id, uint256(d.revealDeadline) + 1);
        }
        d.phase = Phase.Resolved;
        uint256 k = d.seats;
        uint256 n = d.accusedCount;
        _releaseAccused(d);
        (address treasury, uint16 slashBps, uint16 challengerBps, uint16 voterBps, uint128 penalty) =
            params.disputeMoney();

        Verdict[] memory verdicts = new Verdict[](n);
        uint256[] memory slashed = new uint256[](n);
        bool anyGuilty = false;
        bool allCleared = true;
        for (uint256 i = 0; i < n; i++) {
            uint256 guilty = d.guiltyVotes[i];
            uint256 innocent = d.revealedSeats - guilty;
            Verdict v = guilty * 2 > k ? Verdict.Guilty : innocent * 2 > k ? Verdict.Cleared : Verdict.NoMajority;
            d.verdict[i] = v;
            verdicts[i] = v;
            if (v == Verdict.Guilty) {
                anyGuilty = true;
                slashed[i] = _slashGuilty(id, d, i, treasury, slashBps, challengerBps, voterBps);
            }
            if (v != Verdict.Cleared) allCleared = false;
        }

        uint256 bond = d.bond;
        openBonds -= bond;
        bool bondReturned = !allCleared;
        if (bondReturned) {
            owed[d.challenger] += bond;
        } else {
            _forfeitBond(id, d, bond, treasury, voterBps);
        }
        if (!anyGuilty) {
            _releaseReceiptsIfUndecided(id, allCleared);
        }
        _penalizeSilentMembers(id, d, treasury, penalty);
        emit DisputeResolved(id, verdicts, slashed, bondReturned);
    }

    /// @notice Pays out what disputes left to the caller.
    function claim() external nonReentrant returns (uint256 amount) {
        amount = owed[msg.sender];
        if (amount == 0) revert NothingToClaim();
        owed[msg.sender] = 0;
        emit Claimed(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    // ------------------------------------------------------------------------------ internal

    function _epochBlocks() internal view override returns (uint64) {
        return _epochLength;
    }

    function _slashGuilty(
        uint256 id,
        Dispute storage d,
        uint256 i,
        address treasury,
        uint16 slashBps,
        uint16 challengerBps,
        uint16 voterBps
    ) private returns (uint256 taken) {
        address accused = d.accused[i];
        ProviderRegistry.Provider memory p = providers.getProvider(accused);
        uint256 amount = (uint256(p.stake) + p.unbonding) * slashBps / BPS;
        if (amount == 0) return 0;
        taken = providers.slash(accused, amount, address(this));
        uint256 toChallenger = taken * challengerBps / BPS;
        owed[d.challenger] += toChallenger;
        uint256 pool = taken * voterBps / BPS;
        uint256 paid = _shareAmongVoters(id, d, pool, uint8(1 << i), true);
        owed[treasury] += taken - toChallenger - paid;
    }

    function _forfeitBond(uint256 id, Dispute storage d, uint256 bond, address treasury, uint16 voterBps) private {
        uint256 pool = bond * voterBps / BPS;
        uint256 paid = _shareAmongVoters(id, d, pool, 0, false);
        uint256 rest = bond - paid;
        uint256 n = d.accusedCount;
        uint256 each = rest / n;
        for (uint256 i = 0; i < n; i++) {
            owed[d.accused[i]] += each;
        }
        owed[treasury] += rest - each * n;
    }

    /// @dev Splits `pool` equally among the seats of members who revealed a vote with `mask` set
    ///      (`set`) or a vote of exactly 0 (`!set`, innocent on every count); returns what was
    ///      handed out.
    function _shareAmongVoters(uint256 id, Dispute storage d, uint256 pool, uint8 mask, bool set)
        private
        returns (uint256 paid)
    {
        address[] storage committee = d.committee;
        uint256 winners = 0;
        for (uint256 m = 0; m < committee.length; m++) {
            if (_votedFor(id, committee[m], mask, set)) winners += _ballots[id][committee[m]].seats;
        }
        if (winners == 0 || pool == 0) return 0;
        uint256 each = pool / winners;
        for (uint256 m = 0; m < committee.length; m++) {
            if (_votedFor(id, committee[m], mask, set)) owed[committee[m]] += each * _ballots[id][committee[m]].seats;
        }
        return each * winners;
    }

    function _penalizeSilentMembers(uint256 id, Dispute storage d, address treasury, uint128 penalty) private {
        if (penalty == 0) return;
        address[] storage committee = d.committee;
        for (uint256 m = 0; m < committee.length; m++) {
            address member = committee[m];
            Ballot storage b = _ballots[id][member];
            if (b.revealed) continue;
            // a member with nothing left at stake cannot be penalised further
            try providers.slash(member, uint256(penalty) * b.seats, treasury) returns (uint256 taken) {
                emit MemberPenalized(id, member, taken);
            } catch {
                emit MemberPenalized(id, member, 0);
            }
        }
    }

    /// @dev `NoCommittee` for every accused. Too few candidates: the bond goes back and the
    ///      receipts may be disputed again. Lapsed: the bond goes to the accused (as if cleared,
    ///      without a voters' share) and the receipts stay judged, so a lapse never re-rolls.
    function _resolveWithoutCommittee(uint256 id, Dispute storage d, uint256 candidates, bool lapsed) private {
        d.phase = Phase.Resolved;
        uint256 n = d.accusedCount;
        _releaseAccused(d);
        Verdict[] memory verdicts = new Verdict[](n);
        for (uint256 i = 0; i < n; i++) {
            d.verdict[i] = Verdict.NoCommittee;
            verdicts[i] = Verdict.NoCommittee;
        }
        uint256 bond = d.bond;
        openBonds -= bond;
        if (lapsed) {
            (address treasury,,,,) = params.disputeMoney();
            _forfeitBond(id, d, bond, treasury, 0);
        } else {
            owed[d.challenger] += bond;
            _releaseReceiptsIfUndecided(id, false);
        }
        emit NoCommittee(id, candidates, lapsed);
        emit DisputeResolved(id, verdicts, new uint256[](n), !lapsed);
    }

    /// @dev The accused may withdraw unbonded stake again once no dispute names them. Runs before
    ///      the slash: the slash reads the stake, not the hold.
    function _releaseAccused(Dispute storage d) private {
        for (uint256 i = 0; i < d.accusedCount; i++) {
            providers.releaseStake(d.accused[i]);
        }
    }

    /// @dev A receipt nobody judged (no committee, no majority) may be disputed again; a cleared
    ///      one may not (its provider was found honest on it).
    function _releaseReceiptsIfUndecided(uint256 id, bool cleared) private {
        if (cleared) return;
        bytes32[] storage digests = _receiptDigests[id];
        for (uint256 i = 0; i < digests.length; i++) {
            delete disputeOfReceipt[digests[i]];
        }
    }
}
