// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

/// @title UsageCounter — the Counter NFT
/// @notice One non-transferable ERC-721 per consumer, minted by PaymentChannels on the consumer's
///         first deposit, and updated by every redemption with the calls and the spend it settled.
///         The token id is the consumer's address as a number, so no lookup is ever needed.
///         `tokenURI` returns the metadata JSON on-chain as a base64 data URI.
contract UsageCounter is ERC721 {
    struct Usage {
        uint64 calls;
        uint192 spend;
    }

    address public immutable deployer;
    address public paymentChannels;
    mapping(uint256 tokenId => Usage) private _usage;

    error NotPaymentChannels(address caller);
    error AlreadyBound(address paymentChannels);
    error NotDeployer(address caller);
    error Soulbound(uint256 tokenId);
    error ZeroAddress(string field);

    constructor() ERC721("Verinfer Counter", "VRFCNT") {
        deployer = msg.sender;
    }

    /// @notice One-time wiring to the PaymentChannels contract (deployed after this one).
    function bindPaymentChannels(address channels) external {
        if (msg.sender != deployer) revert NotDeployer(msg.sender);
        if (paymentChannels != address(0)) revert AlreadyBound(paymentChannels);
        if (channels == address(0)) revert ZeroAddress("channels");
        paymentChannels = channels;
    }

    modifier onlyPaymentChannels() {
        if (msg.sender != paymentChannels) revert NotPaymentChannels(msg.sender);
        _;
    }

    /// @notice Mints the consumer's counter unless it already has one.
    function mintIfAbsent(address consumer) external onlyPaymentChannels {
        uint256 tokenId = tokenIdOf(consumer);
        if (_ownerOf(tokenId) == address(0)) _mint(consumer, tokenId);
    }

    /// @notice Adds settled calls and spend to the consumer's counter (PaymentChannels calls this
    ///         once per consumer per redemption transaction).
    function record(address consumer, uint256 calls, uint256 spend) external onlyPaymentChannels {
        uint256 tokenId = tokenIdOf(consumer);
        Usage storage u = _usage[tokenId];
        // Saturating: the counter is bookkeeping, and bookkeeping must never block a payment. A
        // consumer can sign itself zero-amount vouchers with any call count; with a checked add
        // 2^64 - 1 calls made every later redemption of its lanes revert (issue 12, finding 1).
        u.calls = uint64(_saturatingAdd(u.calls, calls, type(uint64).max));
        u.spend = uint192(_saturatingAdd(u.spend, spend, type(uint192).max));
        // No event here: PaymentChannels' Redeemed event already logs every settled lane, and a
        // second log per lane would cost ~1,600 gas on the hot path.
    }

    function _saturatingAdd(uint256 a, uint256 b, uint256 cap) private pure returns (uint256) {
        unchecked {
            return b >= cap - a ? cap : a + b; // a <= cap always holds for a stored figure
        }
    }

    function tokenIdOf(address consumer) public pure returns (uint256) {
        return uint256(uint160(consumer));
    }

    function usageOf(address consumer) external view returns (uint64 calls, uint192 spend) {
        Usage memory u = _usage[tokenIdOf(consumer)];
        return (u.calls, u.spend);
    }

    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        address owner = _requireOwned(tokenId);
        Usage memory u = _usage[tokenId];
        string memory calls = Strings.toString(u.calls);
        string memory spend = Strings.toString(u.spend);
        string memory svg = string.concat(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"360\" height=\"120\">",
            "<rect width=\"360\" height=\"120\" fill=\"#101828\"/>",
            "<text x=\"16\" y=\"40\" fill=\"#fff\" font-family=\"monospace\" font-size=\"16\">Verinfer usage</text>",
            "<text x=\"16\" y=\"72\" fill=\"#9fe870\" font-family=\"monospace\" font-size=\"14\">calls: ",
            calls,
            "</text><text x=\"16\" y=\"98\" fill=\"#9fe870\" font-family=\"monospace\" font-size=\"14\">spend: ",
            spend,
            "</text></svg>"
        );
        string memory json = string.concat(
            "{\"name\":\"Verinfer Counter ",
            Strings.toHexString(owner),
            "\",\"description\":\"Paid inference calls settled on-chain for this consumer.\",\"consumer\":\"",
            Strings.toHexString(owner),
            "\",\"calls\":",
            calls,
            ",\"spend\":\"",
            spend,
            "\",\"attributes\":[{\"trait_type\":\"calls\",\"value\":",
            calls,
            "},{\"trait_type\":\"spend\",\"value\":\"",
            spend,
            "\"}],\"image\":\"data:image/svg+xml;base64,",
            Base64.encode(bytes(svg)),
            "\"}"
        );
        return string.concat("data:application/json;base64,", Base64.encode(bytes(json)));
    }

    /// @dev Counters are soulbound: only minting moves a token.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = _ownerOf(tokenId);
        if (from != address(0)) revert Soulbound(tokenId);
        return super._update(to, tokenId, auth);
    }
}
