// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title ModelRegistry
/// @notice Model authors publish content-addressed models here and earn `royaltyPerCall` on every
///         paid call that a redemption settles.
///
///         - `cid` is the binary CIDv1 (raw codec, sha2-256) of the model blob: the same CID IPFS
///           computes for the same bytes.
///         - `tolerancePpm` is the output tolerance every verifier uses for floating-point outputs,
///           in parts per million: two outputs a and b agree when |a − b| ≤ tol · max(1, |a|, |b|).
///           Integer outputs always compare exactly.
///         - Only a model's owner may update it, hand it over or deprecate it. A deprecated model
///           cannot be newly offered by providers; vouchers for calls already made still settle.
///         - A royalty change applies to redemptions from then on (it changes how a payment is
///           split, never what a consumer pays).
contract ModelRegistry {
    uint256 public constant MAX_CID_BYTES = 128;
    uint256 public constant MAX_FORMAT_BYTES = 32;

    struct Model {
        // slot 0: everything a redemption reads
        address owner;
        uint88 royaltyPerCall;
        bool deprecated;
        // slot 1
        uint32 tolerancePpm;
        uint64 publishedAt;
        // slot 2..
        bytes32 schemaHash;
        bytes cid;
        string format;
    }

    uint64 public modelCount;
    mapping(uint64 modelId => Model) private _models;
    mapping(bytes32 cidHash => uint64 modelId) public modelIdOfCid;

    event ModelPublished(
        uint64 indexed modelId,
        address indexed owner,
        bytes cid,
        string format,
        bytes32 schemaHash,
        uint88 royaltyPerCall,
        uint32 tolerancePpm
    );
    event ModelUpdated(uint64 indexed modelId, bytes32 schemaHash, uint88 royaltyPerCall, uint32 tolerancePpm);
    event ModelOwnerChanged(uint64 indexed modelId, address indexed previousOwner, address indexed newOwner);
    event ModelDeprecated(uint64 indexed modelId);

    error UnknownModel(uint64 modelId);
    error NotModelOwner(uint64 modelId, address caller);
    error InvalidCid(uint256 length);
    error InvalidFormat(uint256 length);
    error CidAlreadyPublished(uint64 modelId);
    error ModelIsDeprecated(uint64 modelId);
    error ZeroAddress(string field);

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
        uint88 royaltyPerCall,
        uint32 tolerancePpm
    ) external returns (uint64 modelId) {
        if (cid.length == 0 || cid.length > MAX_CID_BYTES) revert InvalidCid(cid.length);
        uint256 formatLength = bytes(format).length;
        if (formatLength == 0 || formatLength > MAX_FORMAT_BYTES) revert InvalidFormat(formatLength);
        bytes32 cidHash = keccak256(cid);
        uint64 existing = modelIdOfCid[cidHash];
        if (existing != 0) revert CidAlreadyPublished(existing);

        modelId = ++modelCount;
        modelIdOfCid[cidHash] = modelId;
        Model storage m = _models[modelId];
        m.owner = msg.sender;
        m.royaltyPerCall = royaltyPerCall;
        m.tolerancePpm = tolerancePpm;
        m.publishedAt = uint64(block.timestamp);
        m.schemaHash = schemaHash;
        m.cid = cid;
        m.format = format;
        emit ModelPublished(modelId, msg.sender, cid, format, schemaHash, royaltyPerCall, tolerancePpm);
    }

    /// @notice Updates the schema hash, royalty and tolerance of a model the caller owns.
    function update(uint64 modelId, bytes32 schemaHash, uint88 royaltyPerCall, uint32 tolerancePpm)
        external
        onlyModelOwner(modelId)
    {
        Model storage m = _models[modelId];
        if (m.deprecated) revert ModelIsDeprecated(modelId);
        m.schemaHash = schemaHash;
        m.royaltyPerCall = royaltyPerCall;
        m.tolerancePpm = tolerancePpm;
        emit ModelUpdated(modelId, schemaHash, royaltyPerCall, tolerancePpm);
    }

    function transferModel(uint64 modelId, address newOwner) external onlyModelOwner(modelId) {
        if (newOwner == address(0)) revert ZeroAddress("newOwner");
        emit ModelOwnerChanged(modelId, msg.sender, newOwner);
        _models[modelId].owner = newOwner;
    }

    function deprecate(uint64 modelId) external onlyModelOwner(modelId) {
        Model storage m = _models[modelId];
        if (m.deprecated) revert ModelIsDeprecated(modelId);
        m.deprecated = true;
        emit ModelDeprecated(modelId);
    }

    function getModel(uint64 modelId) external view returns (Model memory) {
        Model memory m = _models[modelId];
        if (m.owner == address(0)) revert UnknownModel(modelId);
        return m;
    }

    /// @notice Who earns the royalty and how much per call: the one read on the redemption path.
    function royaltyInfo(uint64 modelId) external view returns (address author, uint256 royaltyPerCall) {
        Model storage m = _models[modelId];
        author = m.owner;
        if (author == address(0)) revert UnknownModel(modelId);
        royaltyPerCall = m.royaltyPerCall;
    }

    /// @notice Whether the model takes new requests (exists, not deprecated), and its royalty
    ///         per call: what an on-chain request reads, in one call.
    function requestTerms(uint64 modelId) external view returns (bool active, uint256 royaltyPerCall) {
        Model storage m = _models[modelId];
        return (m.owner != address(0) && !m.deprecated, m.royaltyPerCall);
    }

    /// @notice True when the model exists and is not deprecated (providers may offer it).
    function isActive(uint64 modelId) external view returns (bool) {
        Model storage m = _models[modelId];
        return m.owner != address(0) && !m.deprecated;
    }
}
