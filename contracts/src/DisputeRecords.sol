// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title DisputeRecords
/// @notice What `DisputeManager` records about disputes and ballots, and how anyone reads it: the
///         storage layout, the views and the commitment rule. The rules that change these records
///         are in `DisputeManager`.
abstract contract DisputeRecords {
    uint256 public constant MAX_ACCUSED = 2;

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
        NoMajority
    }

    struct Dispute {
        // slot 0
        address challenger;
        uint64 modelId;
        Phase phase;
        uint8 accusedCount;
        uint8 committeeSize;
        uint8 committed;
        uint8 revealed;
        // slot 1
        uint128 bond;
        uint64 anchorBlock;
        uint64 commitDeadline;
        // slot 2
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
        uint8[] guiltyVotes;
        Verdict[] verdicts;
        address[] committee;
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
    }

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
