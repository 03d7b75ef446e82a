package io.verinfer.chain.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a mined transaction's gas went, from the devnet's {@code debug_traceTransaction} struct
 * log: gas by opcode group (storage reads and writes, calls, logs, hashing, the rest) and by call
 * depth. The intrinsic cost (21,000 plus calldata) is what the receipt's gas used has beyond the
 * executed steps. Gas is deterministic for the same state and inputs, so a test may bound it.
 */
public final class GasProfile {
  private final Map<String, Long> byGroup = new TreeMap<>();
  private final Map<Integer, Long> byDepth = new TreeMap<>();
  private final Map<String, Long> byDepthGroup = new TreeMap<>();
  private long executed;
  private long intrinsic;

  private GasProfile() {}

  /** Profiles {@code txHash} on the shared devnet. */
  public static GasProfile of(String txHash) {
    Map<?, ?> trace =
        (Map<?, ?>)
            SharedDevnet.rpc(
                "debug_traceTransaction",
                List.of(
                    txHash,
                    Map.of("disableStorage", true, "disableMemory", true, "disableStack", true)));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> steps = (List<Map<String, Object>>) trace.get("structLogs");
    GasProfile p = new GasProfile();
    p.add(steps);
    try {
      String data =
          SharedDevnet.web3j()
              .ethGetTransactionByHash(txHash)
              .send()
              .getTransaction()
              .orElseThrow()
              .getInput();
      p.intrinsic = intrinsic(org.web3j.utils.Numeric.hexStringToByteArray(data));
    } catch (IOException e) {
      throw new IllegalStateException("eth_getTransactionByHash failed", e);
    }
    return p;
  }

  private static long num(Object o) {
    return ((Number) o).longValue();
  }

  private void add(List<Map<String, Object>> steps) {
    int n = steps.size();
    for (int i = 0; i < n; i++) {
      Map<String, Object> s = steps.get(i);
      String op = (String) s.get("op");
      int depth = (int) num(s.get("depth"));
      long gas = num(s.get("gas"));
      long cost;
      if (i + 1 < n && num(steps.get(i + 1).get("depth")) > depth) {
        // a call or create: its own cost is what the caller lost beyond what the callee used
        int j = i + 1;
        while (j < n && num(steps.get(j).get("depth")) > depth) {
          j++;
        }
        long calleeStart = num(steps.get(i + 1).get("gas"));
        Map<String, Object> last = steps.get(j - 1);
        long calleeEnd = num(last.get("gas")) - num(last.get("gasCost"));
        long after = j < n ? num(steps.get(j).get("gas")) : calleeEnd;
        cost = (gas - after) - (calleeStart - calleeEnd);
      } else if (i + 1 < n && num(steps.get(i + 1).get("depth")) == depth) {
        cost = gas - num(steps.get(i + 1).get("gas"));
      } else {
        cost = num(s.get("gasCost"));
      }
      byGroup.merge(group(op), cost, Long::sum);
      byDepth.merge(depth, cost, Long::sum);
      byDepthGroup.merge("d" + depth + " " + group(op), cost, Long::sum);
      executed += cost;
    }
  }

  private static String group(String op) {
    return switch (op) {
      case "SSTORE", "SLOAD", "TLOAD", "TSTORE" -> op;
      case "CALL", "STATICCALL", "DELEGATECALL", "CALLCODE" -> "CALL*";
      case "LOG0", "LOG1", "LOG2", "LOG3", "LOG4" -> "LOG*";
      case "KECCAK256", "SHA3" -> "KECCAK256";
      case "CALLDATACOPY", "CODECOPY", "RETURNDATACOPY", "MCOPY", "EXTCODESIZE" -> op;
      default -> "other";
    };
  }

  /** 21,000 plus 16 per non-zero and 4 per zero calldata byte (no access list, no creation). */
  static long intrinsic(byte[] calldata) {
    long gas = 21_000;
    for (byte b : calldata) {
      gas += b == 0 ? 4 : 16;
    }
    return gas;
  }

  /** The transaction's intrinsic cost: what it pays before executing anything. */
  public long intrinsic() {
    return intrinsic;
  }

  /**
   * Gas used in frames deeper than {@code depth}: with {@code depth} 1, everything the contract the
   * transaction called spent in the calls it made (for a fulfil: the callback, and what it called).
   */
  public long below(int depth) {
    return byDepth.entrySet().stream()
        .filter(e -> e.getKey() > depth)
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  /** Gas executed (not counting the intrinsic cost nor refunds). */
  public long executed() {
    return executed;
  }

  /** Gas by call depth and opcode group, one entry per line. */
  public String detail() {
    StringBuilder b = new StringBuilder();
    byDepthGroup.forEach((k, v) -> b.append("    ").append(k).append(' ').append(v).append('\n'));
    return b.toString();
  }

  /** A one-line summary: groups and depths. */
  public String summary() {
    List<String> parts = new ArrayList<>();
    byGroup.forEach((k, v) -> parts.add(k + " " + v));
    List<String> depths = new ArrayList<>();
    byDepth.forEach((k, v) -> depths.add("d" + k + " " + v));
    return "intrinsic "
        + intrinsic
        + ", executed "
        + executed
        + " ["
        + String.join(", ", parts)
        + "] ["
        + String.join(", ", depths)
        + "]";
  }
}
