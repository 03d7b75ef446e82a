// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ProtocolParams} from "./ProtocolParams.sol";

/// @title ModelRegistry
/// @notice Model authors publish content-addressed models here and earn `royaltyBps` (basis
///         points, at most `MAX_ROYALTY_BPS`) of every paid amount after the protocol fee: a
///         share of what was paid, so no call count anyone signs can shrink it.
///
///         - `cid` is the binary CIDv1 (raw codec, sha2-256) of the model blob: the same CID IPFS
///           computes for the same bytes.
///         - `tolerancePpm` is the output tolerance every verifier uses for floating-point outputs,
///           in parts per million: two outputs a and b agree when |a − b| ≤ tol · max(1, |a|, |b|).
///           Integer outputs always compare exactly.
///         - Only a model's owner may update it, hand it over or deprecate it; only governance
///           may delist it (`delist`, for abuse). A deprecated model
///           cannot be newly offered by providers; vouchers for calls already made still settle.
///         - A royalty or tolerance change is scheduled: it takes effect `termsNotice` seconds
///           (a ProtocolParams value, at least an hour) after `update`, and is announced at once
///           (`ModelTermsScheduled`). A provider holding vouchers redeems them before then, so the
///           split of work it has served is the split in force when it served it: an owner can
///           no longer front-run a redemption with a royalty that takes the provider's share
///           (issue 12, finding 5). The schema hash describes the interface and changes at once.
contract ModelRegistry {
    uint256 public constant MAX_CID_BYTES = 128;
    /// @notice The largest royalty share: half of what a call pays after the protocol fee, so a
    ///         provider always keeps at least the other half.
    uint16 public constant MAX_ROYALTY_BPS = 5_000;
    uint256 public constant MAX_FORMAT_BYTES = 32;

    uint8 private constant DEPRECATED = 1;
    uint8 private constant CHANGE_SCHEDULED = 2;
    uint8 private constant DELISTED = 4;

    struct Model {
        // slot 0: everything a redemption reads (slot 1 only while a change is scheduled)
        address owner;
        uint16 royaltyBps;
        uint8 flags;
        // slot 1
        uint32 tolerancePpm;
        uint64 publishedAt;
        uint16 nextRoyaltyBps;
        uint40 changesAt;
        uint32 nextTolerancePpm;
        // slot 2..
        bytes32 schemaHash;
        bytes cid;
        string format;
    }

    /// @notice A model as `getModel` returns it: the terms in force now, and a scheduled change
    ///         (`changesAt` 0 when none is pending).
    struct ModelView {
        address owner;
        uint16 royaltyBps;
        bool deprecated;
        uint32 tolerancePpm;
        uint64 publishedAt;
        bytes32 schemaHash;
        bytes cid;
        string format;
        uint16 nextRoyaltyBps;
        uint32 nextTolerancePpm;
        uint40 changesAt;
    }

    ProtocolParams public immutable params;
    uint64 public modelCount;
    mapping(uint64 modelId => Model) private _models;
    mapping(bytes32 cidHash => uint64 modelId) public modelIdOfCid;

    event ModelPublished(
        uint64 indexed modelId,
        address indexed owner,
        bytes cid,
        string format,
        bytes32 schemaHash,
        uint16 royaltyBps,
        uint32 tolerancePpm
    );
    /// @notice The schema hash changed, or the terms in force (royalty, tolerance) are these.
    event ModelUpdated(uint64 indexed modelId, bytes32 schemaHash, uint16 royaltyBps, uint32 tolerancePpm);
    /// @notice New terms take effect at `changesAt` (a later update replaces them).
    event ModelTermsScheduled(uint64 indexed modelId, uint16 royaltyBps, uint32 tolerancePpm, uint40 changesAt);
    event ModelOwnerChanged(uint64 indexed modelId, address indexed previousOwner, address indexed newOwner);
    event ModelDeprecated(uint64 indexed modelId);
    /// @notice Governance took the model off the market for abuse (it is deprecated from now on).
    event ModelDelisted(uint64 indexed modelId, string reason);

    error UnknownModel(uint64 modelId);
    error NotModelOwner(uint64 modelId, address caller);
    error InvalidCid(uint256 length);
    error InvalidFormat(uint256 length);
    error CidAlreadyPublished(uint64 modelId);
    error ModelIsDeprecated(uint64 modelId);
    error ZeroAddress(string field);
    error RoyaltyTooHigh(uint256 royaltyBps, uint256 max);
    error NotGovernance(address caller);

    constructor(ProtocolParams params_) {
        params = params_;
    }

    modifier onlyModelOwner(uint64 modelId) {
        address owner = _models[modelId].owner;
        if (owner == address(0)) revert UnknownModel(modelId);
        if (owner != msg.sender) revert NotModelOwner(modelId, msg.sender);
        _;
    }

    /// @notice Publishes a model owned by the caller; returns its id (ids start at 1).
    function publish(
        bytes calldata cid,
        string calldata format,
        bytes32 schemaHash,
        uint16 royaltyBps,
        uint32 tolerancePpm
    ) external returns (uint64 modelId) {
        if (cid.length == 0 || cid.length > MAX_CID_BYTES) revert InvalidCid(cid.length);
        if (royaltyBps > MAX_ROYALTY_BPS) revert RoyaltyTooHigh(royaltyBps, MAX_ROYALTY_BPS);
        uint256 formatLength = bytes(format).length;
        if (formatLength == 0 || formatLength > MAX_FORMAT_BYTES) revert InvalidFormat(formatLength);
        bytes32 cidHash = keccak256(cid);
        uint64 existing = modelIdOfCid[cidHash];
        if (existing != 0) revert CidAlreadyPublished(existing);

        modelId = ++modelCount;
        modelIdOfCid[cidHash] = modelId;
        Model storage m = _models[modelId];
        m.owner = msg.sender;
        m.royaltyBps = royaltyBps;
        m.tolerancePpm = tolerancePpm;
        m.publishedAt = uint64(block.timestamp);
        m.schemaHash = schemaHash;
        m.cid = cid;
        m.format = format;
        emit ModelPublished(modelId, msg.sender, cid, format, schemaHash, royaltyBps, tolerancePpm);
    }

    /// @notice Updates the schema hash of a model the caller owns at once, and schedules its
    ///         royalty and tolerance for `termsNotice` seconds from now (terms equal to those in
    ///         force cancel a scheduled change).
    function update(uint64 modelId, bytes32 schemaHash, uint16 royaltyBps, uint32 tolerancePpm)
        external
        onlyModelOwner(modelId)
    {
        Model storage m = _models[modelId];
        if (m.flags & DEPRECATED != 0) revert ModelIsDeprecated(modelId);
        if (royaltyBps > MAX_ROYALTY_BPS) revert RoyaltyTooHigh(royaltyBps, MAX_ROYALTY_BPS);
        _applyDue(m);
        m.schemaHash = schemaHash;
        if (royaltyBps == m.royaltyBps && tolerancePpm == m.tolerancePpm) {
            m.flags &= ~CHANGE_SCHEDULED;
            m.changesAt = 0;
        } else {
            uint40 changesAt = uint40(block.timestamp + params.termsNotice());
            m.nextRoyaltyBps = royaltyBps;
            m.nextTolerancePpm = tolerancePpm;
            m.changesAt = changesAt;
            m.flags |= CHANGE_SCHEDULED;
            emit ModelTermsScheduled(modelId, royaltyBps, tolerancePpm, changesAt);
        }
        emit ModelUpdated(modelId, schemaHash, m.royaltyBps, m.tolerancePpm);
    }

    /// @dev Makes a matured scheduled change the terms in force (storage catches up with what
    ///      the views already report).
    function _applyDue(Model storage m) private {
        if (m.flags & CHANGE_SCHEDULED != 0 && block.timestamp >= m.changesAt) {
            m.royaltyBps = m.nextRoyaltyBps;
            m.tolerancePpm = m.nextTolerancePpm;
            m.flags &= ~CHANGE_SCHEDULED;
            m.changesAt = 0;
        }
    }

    /// @dev The royalty in force now (a scheduled change counts once its time has come).
    function _royaltyNow(Model storage m) private view returns (uint256) {
        if (m.flags & CHANGE_SCHEDULED != 0 && block.timestamp >= m.changesAt) return m.nextRoyaltyBps;
        return m.royaltyBps;
    }

    function transferModel(uint64 modelId, address newOwner) external onlyModelOwner(modelId) {
        if (newOwner == address(0)) revert ZeroAddress("newOwner");
        emit ModelOwnerChanged(modelId, msg.sender, newOwner);
        _models[modelId].owner = newOwner;
    }

    function deprecate(uint64 modelId) external onlyModelOwner(modelId) {
        Model storage m = _models[modelId];
        if (m.flags & DEPRECATED != 0) revert ModelIsDeprecated(modelId);
        m.flags |= DEPRECATED;
        emit ModelDeprecated(modelId);
    }

    /// @notice Governance (the owner of ProtocolParams: the timelock) takes a model off the market
    ///         for abuse — stolen weights, illegal content, a model built to fail verification.
    ///         Like a deprecation: no new offers or on-chain requests; calls already made and
    ///         vouchers already signed still settle, so no provider loses work it served.
    function delist(uint64 modelId, string calldata reason) external {
        if (msg.sender != params.owner()) revert NotGovernance(msg.sender);
        Model storage m = _models[modelId];
        if (m.owner == address(0)) revert UnknownModel(modelId);
        if (m.flags & DELISTED != 0) revert ModelIsDeprecated(modelId);
        m.flags |= DEPRECATED | DELISTED;
        emit ModelDelisted(modelId, reason);
    }

    /// @notice Whether governance delisted the model.
    function isDelisted(uint64 modelId) external view returns (bool) {
        return _models[modelId].flags & DELISTED != 0;
    }

    function getModel(uint64 modelId) external view returns (ModelView memory v) {
        Model storage m = _models[modelId];
        if (m.owner == address(0)) revert UnknownModel(modelId);
        v.owner = m.owner;
        v.deprecated = m.flags & DEPRECATED != 0;
        v.publishedAt = m.publishedAt;
        v.schemaHash = m.schemaHash;
        v.cid = m.cid;
        v.format = m.format;
        bool scheduled = m.flags & CHANGE_SCHEDULED != 0;
        if (scheduled && block.timestamp >= m.changesAt) {
            v.royaltyBps = m.nextRoyaltyBps;
            v.tolerancePpm = m.nextTolerancePpm;
        } else {
            v.royaltyBps = m.royaltyBps;
            v.tolerancePpm = m.tolerancePpm;
            if (scheduled) {
                v.nextRoyaltyBps = m.nextRoyaltyBps;
                v.nextTolerancePpm = m.nextTolerancePpm;
                v.changesAt = m.changesAt;
            }
        }
    }

    /// @notice Who earns the royalty and its share in basis points: the one read on the
    ///         redemption path.
    function royaltyInfo(uint64 modelId) external view returns (address author, uint256 royaltyBps) {
        Model storage m = _models[modelId];
        author = m.owner;
        if (author == address(0)) revert UnknownModel(modelId);
        royaltyBps = _royaltyNow(m);
    }

    /// @notice Whether the model takes new requests (exists, not deprecated), and its royalty
    ///         share in basis points: what an on-chain request reads, in one call.
    function requestTerms(uint64 modelId) external view returns (bool active, uint256 royaltyBps) {
        Model storage m = _models[modelId];
        return (m.owner != address(0) && m.flags & DEPRECATED == 0, _royaltyNow(m));
    }

    /// @notice The output tolerance in force now (what a dispute opened now fixes for its vote).
    function toleranceOf(uint64 modelId) external view returns (uint32) {
        Model storage m = _models[modelId];
        if (m.owner == address(0)) revert UnknownModel(modelId);
        if (m.flags & CHANGE_SCHEDULED != 0 && block.timestamp >= m.changesAt) return m.nextTolerancePpm;
        return m.tolerancePpm;
    }

    /// @notice True when the model exists and is not deprecated (providers may offer it).
    function isActive(uint64 modelId) external view returns (bool) {
        Model storage m = _models[modelId];
        return m.owner != address(0) && m.flags & DEPRECATED == 0;
    }
}
