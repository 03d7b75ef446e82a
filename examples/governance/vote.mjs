// Reads a Verinfer proposal and votes on it the way Tally and other Governor front ends do: through
// the standard IGovernor ABI only (written out below), nothing Verinfer-specific.
//
// Usage: VOTER_PRIVATE_KEY=0x… node vote.mjs RPC_URL GOVERNOR PROPOSAL_ID SUPPORT [REASON]
//   SUPPORT: against | for | abstain (or 0 | 1 | 2, GovernorCountingSimple's numbering)
//   REASON:  when given, the vote is cast with castVoteWithReason
// Prints two JSON lines: what it read before voting ({"read": …}), then the VoteCast event and the
// proposal's tally after the vote ({"voteCast": …, "after": …}). Integers are decimal strings.
import { Contract, JsonRpcProvider, Wallet } from "ethers";

const IGOVERNOR_ABI = [
  "function name() view returns (string)",
  "function COUNTING_MODE() view returns (string)",
  "function CLOCK_MODE() view returns (string)",
  "function clock() view returns (uint48)",
  "function votingDelay() view returns (uint256)",
  "function votingPeriod() view returns (uint256)",
  "function quorum(uint256 timepoint) view returns (uint256)",
  "function state(uint256 proposalId) view returns (uint8)",
  "function proposalSnapshot(uint256 proposalId) view returns (uint256)",
  "function proposalDeadline(uint256 proposalId) view returns (uint256)",
  "function proposalVotes(uint256 proposalId) view returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes)",
  "function getVotes(address account, uint256 timepoint) view returns (uint256)",
  "function hasVoted(uint256 proposalId, address account) view returns (bool)",
  "function castVote(uint256 proposalId, uint8 support) returns (uint256)",
  "function castVoteWithReason(uint256 proposalId, uint8 support, string reason) returns (uint256)",
  "event VoteCast(address indexed voter, uint256 proposalId, uint8 support, uint256 weight, string reason)",
];

// IGovernor.ProposalState, in order
const STATES = ["Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired", "Executed"];
const SUPPORT = { against: 0, for: 1, abstain: 2 };

function fail(message) {
  console.error(`vote.mjs: ${message}`);
  process.exit(2);
}

function parseSupport(text) {
  const s = String(text).toLowerCase();
  if (s in SUPPORT) return SUPPORT[s];
  if (["0", "1", "2"].includes(s)) return Number(s);
  return fail(`SUPPORT must be against, for, abstain or 0, 1, 2; got "${text}"`);
}

// BigInts as decimal strings: JSON has no integers beyond 2^53
const json = (value) => JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v));

const [rpcUrl, governorAddress, proposalIdText, supportText, reason] = process.argv.slice(2);
if (!rpcUrl || !governorAddress || !proposalIdText || supportText === undefined) {
  fail("usage: VOTER_PRIVATE_KEY=0x… node vote.mjs RPC_URL GOVERNOR PROPOSAL_ID SUPPORT [REASON]");
}
const privateKey = process.env.VOTER_PRIVATE_KEY;
if (!privateKey) fail("VOTER_PRIVATE_KEY is not set (the voter's key; it is never printed)");
let proposalId;
try {
  proposalId = BigInt(proposalIdText);
} catch {
  fail(`PROPOSAL_ID must be an integer (decimal or 0x hex); got "${proposalIdText}"`);
}
const support = parseSupport(supportText);

const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true });
provider.pollingInterval = 250;
try {
  let wallet;
  try {
    wallet = new Wallet(privateKey, provider);
  } catch {
    fail("VOTER_PRIVATE_KEY is not a private key (32 bytes of hex, 0x first)");
  }
  const governor = new Contract(governorAddress, IGOVERNOR_ABI, wallet);
  const voter = wallet.address;

  const [name, countingMode, clockMode, clock, votingDelay, votingPeriod] = await Promise.all([
    governor.name(),
    governor.COUNTING_MODE(),
    governor.CLOCK_MODE(),
    governor.clock(),
    governor.votingDelay(),
    governor.votingPeriod(),
  ]);
  if (!countingMode.split("&").includes("support=bravo")) {
    fail(`COUNTING_MODE "${countingMode}" is not support=bravo: against/for/abstain do not apply`);
  }
  const [stateIndex, snapshot, deadline, votes, hasVoted] = await Promise.all([
    governor.state(proposalId),
    governor.proposalSnapshot(proposalId),
    governor.proposalDeadline(proposalId),
    governor.proposalVotes(proposalId),
    governor.hasVoted(proposalId, voter),
  ]);
  const state = STATES[Number(stateIndex)] ?? `unknown(${stateIndex})`;
  // quorum and votes count at the snapshot, which is only readable once it lies in the past
  const past = snapshot < clock;
  const [quorum, weight] = past
    ? await Promise.all([governor.quorum(snapshot), governor.getVotes(voter, snapshot)])
    : [null, null];
  const tally = (v) => ({ against: v.againstVotes, for: v.forVotes, abstain: v.abstainVotes });
  console.log(
    json({
      read: {
        governor: {
          address: await governor.getAddress(),
          name,
          COUNTING_MODE: countingMode,
          CLOCK_MODE: clockMode,
          clock,
          votingDelay,
          votingPeriod,
        },
        proposal: {
          id: proposalId,
          state,
          stateIndex: Number(stateIndex),
          snapshot,
          deadline,
          quorum,
          votes: tally(votes),
        },
        voter: { address: voter, weight, hasVoted },
      },
    }),
  );
  if (state !== "Active") fail(`proposal ${proposalId} is ${state}, not Active: no vote cast`);
  if (hasVoted) fail(`${voter} has already voted on proposal ${proposalId}`);

  const tx =
    reason === undefined
      ? await governor.castVote(proposalId, support)
      : await governor.castVoteWithReason(proposalId, support, reason);
  const receipt = await tx.wait();
  if (receipt.status !== 1) fail(`vote transaction ${tx.hash} reverted`);
  const event = receipt.logs
    .filter((log) => log.address.toLowerCase() === governorAddress.toLowerCase())
    .map((log) => governor.interface.parseLog(log))
    .find((parsed) => parsed?.name === "VoteCast");
  if (!event) fail(`vote transaction ${tx.hash} emitted no VoteCast event`);
  const [votesAfter, hasVotedAfter] = await Promise.all([
    governor.proposalVotes(proposalId),
    governor.hasVoted(proposalId, voter),
  ]);
  console.log(
    json({
      voteCast: {
        voter: event.args.voter,
        proposalId: event.args.proposalId,
        support: Number(event.args.support),
        weight: event.args.weight,
        reason: event.args.reason,
        transactionHash: receipt.hash,
        blockNumber: receipt.blockNumber,
        gasUsed: receipt.gasUsed,
      },
      after: { votes: tally(votesAfter), hasVoted: hasVotedAfter },
    }),
  );
} catch (e) {
  // ethers puts the node's revert reason in shortMessage; never echo the key-bearing wallet
  fail(e.shortMessage ?? e.message);
} finally {
  provider.destroy();
}
