// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title DisputeRecords
/// @notice What `DisputeManager` records about disputes and ballots, and how anyone reads it: the
///         storage layout, the views and the commitment rule. The rules that change these records
///         are in `DisputeManager`.
abstract contract DisputeRecords {
    uint256 public constant MAX_ACCUSED = 2;
    /// @notice Fewest distinct candidates (eligible providers of the model in the snapshot, other
    ///         than the accused and the challenger) a committee is drawn from; below it the
    ///         dispute ends `NoCommittee`.
    uint256 public constant MIN_CANDIDATES = 3;

    enum Phase {
        None,
        Drawing,
        Voting,
        Resolved
    }

    enum Verdict {
        Pending,
        Guilty,
        Cleared,
        NoMajority,
        NoCommittee
    }

    struct Dispute {
        address challenger;
        uint64 modelId;
        Phase phase;
        uint8 accusedCount;
        // distinct members; `seats` is how many seats they hold together (the committee size)
        uint8 committeeSize;
        uint8 seats;
        // members (and seats) that committed / revealed
        uint8 committed;
        uint8 revealed;
        uint8 revealedSeats;
        uint32 tolerancePpm;
        uint128 bond;
        uint64 anchorBlock;
        uint64 snapshotEpoch;
        uint64 commitDeadline;
        uint64 revealDeadline;
        bytes32 inputHash;
        address[MAX_ACCUSED] accused;
        bytes32[MAX_ACCUSED] outputHash;
        uint8[MAX_ACCUSED] guiltyVotes;
        Verdict[MAX_ACCUSED] verdict;
        address[] committee;
    }

    /// @dev What a member did in one dispute.
    struct Ballot {
        bytes32 commitment;
        bool revealed;
        uint8 vote;
        // seats this member holds (0: not on the committee)
        uint8 seats;
    }

    uint256 public disputeCount;
    uint256 public openBonds;
    mapping(uint256 id => Dispute) internal _disputes;
    mapping(uint256 id => mapping(address member => Ballot)) internal _ballots;
    mapping(uint256 id => bytes32[]) internal _receiptDigests;
    /// @notice Receipts (by EIP-712 digest) under an open dispute or already judged.
    mapping(bytes32 receiptDigest => uint256 disputeIdPlusOne) public disputeOfReceipt;
    mapping(address account => uint256 amount) public owed;

    // --------------------------------------------------------------------------------- views

    struct DisputeView {
        address challenger;
        uint64 modelId;
        Phase phase;
        uint8 accusedCount;
        uint8 committeeSize;
        uint8 committed;
        uint8 revealed;
        uint128 bond;
        uint64 anchorBlock;
        uint64 commitDeadline;
        uint64 revealDeadline;
        bytes32 inputHash;
        address[] accused;
        bytes32[] outputHashes;
        // seats that revealed "guilty" for each accused
        uint8[] guiltyVotes;
        Verdict[] verdicts;
        address[] committee;
        // seats of each committee member, in the order of `committee`
        uint8[] memberSeats;
        uint8 seats;
        uint8 revealedSeats;
        uint32 tolerancePpm;
        uint64 snapshotEpoch;
        // the first block in which `drawCommittee` lapses instead of drawing
        uint64 drawDeadline;
    }

    function getDispute(uint256 id) external view returns (DisputeView memory v) {
        Dispute storage d = _disputes[id];
        uint256 n = d.accusedCount;
        v.challenger = d.challenger;
        v.modelId = d.modelId;
        v.phase = d.phase;
        v.accusedCount = d.accusedCount;
        v.committeeSize = d.committeeSize;
        v.committed = d.committed;
        v.revealed = d.revealed;
        v.bond = d.bond;
        v.anchorBlock = d.anchorBlock;
        v.commitDeadline = d.commitDeadline;
        v.revealDeadline = d.revealDeadline;
        v.inputHash = d.inputHash;
        v.accused = new address[](n);
        v.outputHashes = new bytes32[](n);
        v.guiltyVotes = new uint8[](n);
        v.verdicts = new Verdict[](n);
        for (uint256 i = 0; i < n; i++) {
            v.accused[i] = d.accused[i];
            v.outputHashes[i] = d.outputHash[i];
            v.guiltyVotes[i] = d.guiltyVotes[i];
            v.verdicts[i] = d.verdict[i];
        }
        v.committee = d.committee;
        v.memberSeats = new uint8[](v.committee.length);
        for (uint256 m = 0; m < v.committee.length; m++) {
            v.memberSeats[m] = _ballots[id][v.committee[m]].seats;
        }
        v.seats = d.seats;
        v.revealedSeats = d.revealedSeats;
        v.tolerancePpm = d.tolerancePpm;
        v.snapshotEpoch = d.snapshotEpoch;
        v.drawDeadline = drawDeadlineOf(d.snapshotEpoch);
    }

    /// @notice The first block in which a dispute whose snapshot is the end of `snapshotEpoch`
    ///         can no longer be drawn: the start of epoch `snapshotEpoch + 3`, after which the
    ///         snapshot is gone (it is readable through the end of the epoch after the one the
    ///         dispute opened in: 64 to 128 blocks after opening, within `blockhash`'s 256).
    function drawDeadlineOf(uint64 snapshotEpoch) public view returns (uint64) {
        return (snapshotEpoch + 3) * _epochBlocks();
    }

    /// @dev ProviderRegistry's epoch length.
    function _epochBlocks() internal view virtual returns (uint64);

    /// @notice The phase of dispute `id` and the verdict on its accused number `index`.
    function verdictOf(uint256 id, uint256 index) external view returns (Phase phase, Verdict verdict) {
        Dispute storage d = _disputes[id];
        return (d.phase, index < MAX_ACCUSED ? d.verdict[index] : Verdict.Pending);
    }

    /// @notice Whether `member` committed and revealed in dispute `id`, and its revealed vote.
    function ballotOf(uint256 id, address member) external view returns (bool committed, bool revealed, uint8 vote) {
        Ballot storage b = _ballots[id][member];
        return (b.commitment != bytes32(0), b.revealed, b.revealed ? b.vote : 0);
    }

    /// @notice The commitment a member publishes for `vote` with its secret `salt`.
    function commitmentOf(uint256 id, address member, uint8 vote, bytes32 salt) public pure returns (bytes32) {
        return keccak256(abi.encode(id, member, vote, salt));
    }

    /// @dev Whether `member` revealed a vote with `mask` set (`set`) or a vote of exactly 0
    ///      (`!set`, innocent on every count).
    function _votedFor(uint256 id, address member, uint8 mask, bool set) internal view returns (bool) {
        Ballot storage b = _ballots[id][member];
        if (!b.revealed) return false;
        return set ? (b.vote & mask) != 0 : b.vote == 0;
    }
}
