// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {AvailabilityOracle} from "./AvailabilityOracle.sol";
import {IReputationFloor} from "./IReputationFloor.sol";
import {ProviderRegistry} from "./ProviderRegistry.sol";

/// @title ProviderReputation — the reputation score and the soulbound Provider NFT
/// @notice A provider's score for a model, in basis points, computed on every read from what the
///         chain already holds, so it moves the moment the oracle reports (no keeper, no stale copy):
///
///             score = performance × penalty × trust / 10⁸
///
///         performance: with a fresh oracle status (reported within `freshEpochs` epochs)
///             uptime × canary pass rate / 10⁴ × latency factor / 10⁴, where the latency factor is
///             10⁴ up to `latencyTargetMs` and 10⁴ × target / latency above it (0 when the provider
///             never answered); without one, `newcomerBps` (nothing is known either way).
///         penalty: 10⁴ − `slashPenaltyBps` per slash (each a dispute it lost), at least 0.
///         trust: `trustFloorBps` + (10⁴ − `trustFloorBps`) × (stake factor + age factor) / 2 / 10⁴,
///             each factor min(10⁴, 10⁴ × value / reference) against `stakeRef` and `ageRef`.
///
///         A provider below `floorBps` is not assigned on-chain requests once its standing is
///         refreshed in `ProviderRegistry` (`refreshStandings`, anyone; adapters do it after each
///         report), and a drawn provider is kept with probability score / 10⁴.
///         The parameters are the timelock's, each within hard bounds: no vote can make the floor
///         exclude every newcomer or make slashes free.
///
///         Provider NFT: one non-transferable ERC-721 per registered provider (token id = its
///         address), minted by anyone; `tokenURI` is on-chain JSON whose traits are the figures
///         above for every model the provider lists, read live: the oracle's reports update it.
contract ProviderReputation is ERC721, AccessControl, IReputationFloor {
    uint256 internal constant BPS = 10_000;

    struct Params {
        uint16 newcomerBps;
        uint16 slashPenaltyBps;
        uint16 trustFloorBps;
        uint16 floorBps;
        uint32 latencyTargetMs;
        uint8 freshEpochs;
        uint128 stakeRef;
        uint64 ageRef;
    }

    /// @notice Every input of one score, as `breakdown` returns it.
    struct Breakdown {
        uint256 score;
        uint256 performance;
        uint256 penalty;
        uint256 trust;
        bool fresh;
        uint64 statusEpoch;
        uint16 uptimeBps;
        uint32 latencyMs;
        uint16 canaryBps;
        uint256 slashes;
        uint256 stake;
        uint256 age;
    }

    AvailabilityOracle public immutable oracle;
    ProviderRegistry public immutable registry;
    Params private _params;

    event ParamsChanged(Params params);

    error ZeroAddress(string field);
    error OutOfBounds(string field, uint256 value, uint256 min, uint256 max);
    error NotRegistered(address provider);
    error Soulbound(uint256 tokenId);
    error AlreadyMinted(address provider);

    /// @param admin the governance timelock: the only account that may change the parameters
    constructor(address admin, AvailabilityOracle oracle_, ProviderRegistry registry_, Params memory params_)
        ERC721("Verinfer Provider", "VRFPRV")
    {
        if (admin == address(0)) revert ZeroAddress("admin");
        if (address(oracle_) == address(0)) revert ZeroAddress("oracle");
        if (address(registry_) == address(0)) revert ZeroAddress("registry");
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        oracle = oracle_;
        registry = registry_;
        _setParams(params_);
    }

    // --------------------------------------------------------------------------------- score

    /// @notice `provider`'s score for `modelId` in basis points (see the contract's notice).
    function scoreOf(uint64 modelId, address provider) public view returns (uint256) {
        return breakdown(modelId, provider).score;
    }

    /// @notice Whether `provider` may be assigned on-chain requests for `modelId`.
    function meetsFloor(uint64 modelId, address provider) external view returns (bool) {
        return scoreOf(modelId, provider) >= _params.floorBps;
    }

    /// @notice The score and whether it meets the floor, in one call (`ProviderRegistry`).
    function standingOf(uint64 modelId, address provider) external view returns (uint256 score, bool meetsFloor_) {
        score = breakdown(modelId, provider).score;
        meetsFloor_ = score >= _params.floorBps;
    }

    function breakdown(uint64 modelId, address provider) public view returns (Breakdown memory b) {
        Params memory p = _params;
        AvailabilityOracle.Status memory s = oracle.statusOf(modelId, provider);
        uint64 current = oracle.currentEpoch();
        b.statusEpoch = s.epoch;
        b.uptimeBps = s.uptimeBps;
        b.latencyMs = s.latencyMs;
        b.canaryBps = s.canaryBps;
        b.fresh = s.epoch != 0 && uint256(s.epoch) + p.freshEpochs >= current;
        if (b.fresh) {
            uint256 latencyFactor;
            if (s.latencyMs == type(uint32).max) {
                latencyFactor = 0;
            } else if (s.latencyMs <= p.latencyTargetMs) {
                latencyFactor = BPS;
            } else {
                latencyFactor = (BPS * p.latencyTargetMs) / s.latencyMs;
            }
            b.performance = (uint256(s.uptimeBps) * s.canaryBps / BPS) * latencyFactor / BPS;
        } else {
            b.performance = p.newcomerBps;
        }
        b.slashes = registry.slashCount(provider);
        uint256 lost = b.slashes * p.slashPenaltyBps;
        b.penalty = lost >= BPS ? 0 : BPS - lost;
        b.stake = registry.stakeOf(provider);
        uint64 since = registry.registeredAt(provider);
        b.age = since == 0 ? 0 : block.timestamp - since;
        uint256 stakeFactor = _capped(b.stake, p.stakeRef);
        uint256 ageFactor = _capped(b.age, p.ageRef);
        b.trust = p.trustFloorBps + (BPS - p.trustFloorBps) * (stakeFactor + ageFactor) / 2 / BPS;
        b.score = b.performance * b.penalty / BPS * b.trust / BPS;
    }

    function params() external view returns (Params memory) {
        return _params;
    }

    // ------------------------------------------------------------------------ provider NFT

    /// @notice Mints `provider`'s Provider NFT (anyone may pay for it; once per provider).
    function mint(address provider) external returns (uint256 tokenId) {
        if (registry.registeredAt(provider) == 0) revert NotRegistered(provider);
        tokenId = tokenIdOf(provider);
        if (_ownerOf(tokenId) != address(0)) revert AlreadyMinted(provider);
        _mint(provider, tokenId);
    }

    function tokenIdOf(address provider) public pure returns (uint256) {
        return uint256(uint160(provider));
    }

    /// @notice On-chain JSON: the provider's stake, age and slashes, and per listed model its
    ///         score, uptime, latency and canary pass rate as the oracle last reported them.
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        address provider = _requireOwned(tokenId);
        uint64[] memory models = registry.getProvider(provider).modelIds;
        string memory traits = "";
        string memory best = "0";
        uint256 top = 0;
        for (uint256 i = 0; i < models.length; i++) {
            Breakdown memory b = breakdown(models[i], provider);
            if (b.score > top || i == 0) {
                top = b.score;
                best = Strings.toString(b.score);
            }
            traits = string.concat(traits, _modelTraits(models[i], b));
        }
        Breakdown memory any = breakdown(models.length == 0 ? 0 : models[0], provider);
        string memory json = string.concat(
            "{\"name\":\"Verinfer Provider ",
            Strings.toHexString(provider),
            "\",\"description\":\"Reputation from the availability oracle, disputes, stake and age.\",",
            "\"attributes\":[",
            traits,
            _trait("best score bps", best, false),
            ",",
            _trait("stake", Strings.toString(any.stake), true),
            ",",
            _trait("age seconds", Strings.toString(any.age), false),
            ",",
            _trait("slashes", Strings.toString(any.slashes), false),
            "]}"
        );
        return string.concat("data:application/json;base64,", Base64.encode(bytes(json)));
    }

    function _modelTraits(uint64 modelId, Breakdown memory b) private pure returns (string memory) {
        string memory m = string.concat("model ", Strings.toString(modelId), " ");
        string memory latency = b.latencyMs == type(uint32).max ? "none" : Strings.toString(b.latencyMs);
        return string.concat(
            _trait(string.concat(m, "score bps"), Strings.toString(b.score), false),
            ",",
            _trait(string.concat(m, "uptime bps"), Strings.toString(b.uptimeBps), false),
            ",",
            _trait(string.concat(m, "latency ms"), latency, b.latencyMs == type(uint32).max),
            ",",
            _trait(string.concat(m, "canary bps"), Strings.toString(b.canaryBps), false),
            ",",
            _trait(string.concat(m, "status epoch"), Strings.toString(b.statusEpoch), false),
            ","
        );
    }

    function _trait(string memory name, string memory value, bool quoted) private pure returns (string memory) {
        string memory v = quoted ? string.concat("\"", value, "\"") : value;
        return string.concat("{\"trait_type\":\"", name, "\",\"value\":", v, "}");
    }

    /// @dev Soulbound: minting only.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = _ownerOf(tokenId);
        if (from != address(0)) revert Soulbound(tokenId);
        return super._update(to, tokenId, auth);
    }

    function supportsInterface(bytes4 interfaceId) public view override(ERC721, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------------------- governance

    /// @notice Changes the parameters (the timelock only), each within its hard bounds.
    function setParams(Params calldata next) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setParams(next);
    }

    function _setParams(Params memory next) private {
        _bounded("newcomerBps", next.newcomerBps, 1_000, BPS);
        _bounded("slashPenaltyBps", next.slashPenaltyBps, 500, BPS);
        _bounded("trustFloorBps", next.trustFloorBps, 2_000, BPS);
        // the floor stays below what a newcomer with no stake or age scores, so it never locks out
        // every new provider: newcomerBps × trustFloorBps / 10⁴ at the lowest bounds is 200
        _bounded("floorBps", next.floorBps, 0, (uint256(next.newcomerBps) * next.trustFloorBps) / BPS);
        _bounded("latencyTargetMs", next.latencyTargetMs, 1, 60_000);
        _bounded("freshEpochs", next.freshEpochs, 1, 24);
        _bounded("stakeRef", next.stakeRef, 1e18, 1e27);
        _bounded("ageRef", next.ageRef, 1 hours, 365 days);
        _params = next;
        emit ParamsChanged(next);
    }

    function _bounded(string memory field, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert OutOfBounds(field, value, min, max);
    }

    function _capped(uint256 value, uint256 ref) private pure returns (uint256) {
        return value >= ref ? BPS : (BPS * value) / ref;
    }
}
