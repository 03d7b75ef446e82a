// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {PaymentChannels} from "./PaymentChannels.sol";
import {ProtocolParams} from "./ProtocolParams.sol";
import {ProviderRegistry} from "./ProviderRegistry.sol";
import {DisputeRecords} from "./DisputeRecords.sol";

/// @title DisputeManager
/// @notice Fraud proofs for inference. Anyone holding a provider's signed receipt — or two
///         conflicting receipts for the same input and model — opens a dispute with a bond, the
///         input and the claimed output(s). A committee of staked providers serving that model is
///         drawn at random; each member re-executes, commits a hidden verdict, then reveals it.
///         A committee majority decides; the guilty provider is slashed (`ProviderRegistry.slash`),
///         a false challenge loses its bond, and a member who does not reveal in time is penalised.
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
///         Randomness. The committee is drawn from `blockhash(anchorBlock)`, where the anchor is
///         the block after the one that opened the dispute, so the challenger cannot know it when
///         opening. Limits: the proposer of the anchor block can bias the draw by withholding its
///         block (forfeiting its reward), and on a chain with a single sequencer (an L2, the
///         devnet) the sequencer can choose it outright. A production network should replace it
///         with a verifiable random function; the rest of the protocol is unchanged by that. If
///         nobody draws within 256 blocks, `drawCommittee` re-anchors to the next block.
///
///         Votes. A vote is a bit mask: bit i set means "accused i's output is wrong" (it does
///         not match a re-execution within the model's tolerance). The commitment is
///         keccak256(abi.encode(disputeId, member, vote, salt)) with a secret 32-byte salt, so a
///         vote cannot be read before its reveal; reveals open only when every member has
///         committed or the commit window has closed.
///
///         Decision and money (base units, exact, rounding down; dust goes to the treasury):
///           accused i guilty  ⇔ more than half of the committee revealed bit i set
///           accused i cleared ⇔ more than half of the committee revealed bit i clear
///           guilty:  slashed = (stake + unbonding) · slashBps / 10 000 of the accused;
///                    challenger gets slashed · challengerRewardBps / 10 000, the members who
///                    voted it guilty share slashed · voterRewardBps / 10 000, the treasury the
///                    rest. The bond goes back to the challenger.
///           all cleared: the bond is lost: the members who voted every accused innocent share
///                    bond · voterRewardBps / 10 000, the cleared providers share the rest.
///           otherwise (no majority either way, or no committee): the bond goes back; no stake
///                    of any accused moves.
///           While a dispute is open its accused cannot withdraw unbonded stake
///           (`ProviderRegistry.holdStake`), so leaving cannot escape the verdict.
///           A member who committed nothing or revealed nothing is slashed `nonRevealPenalty`
///           (to the treasury) when the dispute resolves.
///         Payouts accrue in `owed` and are withdrawn with `claim`, so one failing recipient
///         cannot block a resolution. Tokens held = open bonds + owed, always.
contract DisputeManager is DisputeRecords, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint256 private constant BPS = 10_000;

    IERC20 public immutable token;
    ProtocolParams public immutable params;
    ProviderRegistry public immutable providers;
    PaymentChannels public immutable channels;
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
    event Reanchored(uint256 indexed id, uint64 anchorBlock);
    event CommitteeDrawn(uint256 indexed id, address[] committee, uint64 commitDeadline, uint64 revealDeadline);
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
        uint128 bond = params.disputeBond();
        d.challenger = msg.sender;
        d.modelId = receipts[0].modelId;
        d.phase = Phase.Drawing;
        d.accusedCount = uint8(n);
        d.bond = bond;
        d.anchorBlock = uint64(block.number + 1);
        d.inputHash = receipts[0].inputHash;
        openBonds += bond;
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
        uint128 bond = params.disputeBond();
        d.challenger = challenger;
        d.modelId = modelId;
        d.phase = Phase.Drawing;
        d.accusedCount = 1;
        d.bond = bond;
        d.anchorBlock = uint64(block.number + 1);
        d.inputHash = keccak256(input);
        openBonds += bond;
        address[] memory accusedList = new address[](1);
        accusedList[0] = accused;
        bytes[] memory outputs = new bytes[](1);
        outputs[0] = output;
        emit DisputeOpened(
            id, challenger, modelId, accusedList, new PaymentChannels.Receipt[](0), input, outputs, bond, d.anchorBlock
        );
        if (bond > 0) token.safeTransferFrom(challenger, address(this), bond);
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

    /// @notice Draws the committee once the anchor block is mined (anyone may call). Members are
    ///         eligible providers of the model other than the accused and the challenger, chosen
    ///         without replacement by a Fisher–Yates walk seeded by the anchor block's hash.
    function drawCommittee(uint256 id) external {
        Dispute storage d = _disputes[id];
        if (d.phase != Phase.Drawing) revert WrongPhase(id, d.phase);
        if (block.number <= d.anchorBlock) revert TooEarly(id, uint256(d.anchorBlock) + 1);
        bytes32 anchorHash = blockhash(d.anchorBlock);
        if (anchorHash == bytes32(0)) {
            // older than 256 blocks: nobody drew in time, so anchor to the next block instead
            d.anchorBlock = uint64(block.number + 1);
            emit Reanchored(id, d.anchorBlock);
            return;
        }
        (uint8 size, uint64 commitWindow, uint64 revealWindow) = params.committeeConfig();
        address[] memory candidates = providers.providersOf(d.modelId);
        uint256 seed = uint256(keccak256(abi.encode(anchorHash, id)));
        uint256 n = candidates.length;
        address[] memory picked = new address[](size);
        uint256 count = 0;
        for (uint256 i = 0; i < n && count < size; i++) {
            uint256 j = i + uint256(keccak256(abi.encode(seed, i))) % (n - i);
            (candidates[i], candidates[j]) = (candidates[j], candidates[i]);
            address c = candidates[i];
            if (c == d.challenger || c == d.accused[0] || c == d.accused[1]) continue;
            if (!providers.isEligible(c, d.modelId)) continue;
            picked[count++] = c;
        }
        if (count == 0) {
            _resolveWithoutCommittee(id, d);
            return;
        }
        address[] storage committee = d.committee;
        for (uint256 i = 0; i < count; i++) {
            committee.push(picked[i]);
        }
        d.committeeSize = uint8(count);
        d.phase = Phase.Voting;
        d.commitDeadline = uint64(block.timestamp) + commitWindow;
        d.revealDeadline = d.commitDeadline + revealWindow;
        emit CommitteeDrawn(id, committee, d.commitDeadline, d.revealDeadline);
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
        _requireMember(id, d, msg.sender);
        Ballot storage b = _ballots[id][msg.sender];
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
        for (uint256 i = 0; i < d.accusedCount; i++) {
            if (vote & (1 << i) != 0) d.guiltyVotes[i] += 1;
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
        uint256 k = d.committeeSize;
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
            uint256 innocent = d.revealed - guilty;
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

    function _requireMember(uint256 id, Dispute storage d, address member) private view {
        address[] storage committee = d.committee;
        for (uint256 i = 0; i < committee.length; i++) {
            if (committee[i] == member) return;
        }
        revert NotOnCommittee(id, member);
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

    /// @dev Splits `pool` equally among members who revealed a vote with `mask` set (`set`) or a
    ///      vote of exactly 0 (`!set`, innocent on every count); returns what was handed out.
    function _shareAmongVoters(uint256 id, Dispute storage d, uint256 pool, uint8 mask, bool set)
        private
        returns (uint256 paid)
    {
        address[] storage committee = d.committee;
        uint256 winners = 0;
        for (uint256 m = 0; m < committee.length; m++) {
            if (_votedFor(id, committee[m], mask, set)) winners++;
        }
        if (winners == 0 || pool == 0) return 0;
        uint256 each = pool / winners;
        for (uint256 m = 0; m < committee.length; m++) {
            if (_votedFor(id, committee[m], mask, set)) owed[committee[m]] += each;
        }
        return each * winners;
    }

    function _penalizeSilentMembers(uint256 id, Dispute storage d, address treasury, uint128 penalty) private {
        if (penalty == 0) return;
        address[] storage committee = d.committee;
        for (uint256 m = 0; m < committee.length; m++) {
            address member = committee[m];
            if (_ballots[id][member].revealed) continue;
            // a member with nothing left at stake cannot be penalised further
            try providers.slash(member, penalty, treasury) returns (uint256 taken) {
                emit MemberPenalized(id, member, taken);
            } catch {
                emit MemberPenalized(id, member, 0);
            }
        }
    }

    function _resolveWithoutCommittee(uint256 id, Dispute storage d) private {
        d.phase = Phase.Resolved;
        uint256 n = d.accusedCount;
        _releaseAccused(d);
        Verdict[] memory verdicts = new Verdict[](n);
        for (uint256 i = 0; i < n; i++) {
            d.verdict[i] = Verdict.NoMajority;
            verdicts[i] = Verdict.NoMajority;
        }
        openBonds -= d.bond;
        owed[d.challenger] += d.bond;
        _releaseReceiptsIfUndecided(id, false);
        emit DisputeResolved(id, verdicts, new uint256[](n), true);
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
