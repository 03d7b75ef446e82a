package io.verinfer.bench;

import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.devnet.DevnetSupervisor;
import io.verinfer.client.ClientOptions;
import io.verinfer.client.InferenceResult;
import io.verinfer.client.Routing;
import io.verinfer.client.Verification;
import io.verinfer.client.VerificationReport.Outcome;
import io.verinfer.client.VerinferClient;
import io.verinfer.node.ProviderNode;
import io.verinfer.node.faults.FaultInjection;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What each verification mode costs against {@code none} (calls per second, CPU and tokens per
 * call, over honest providers), and how fast {@code sampled(p)} catches a provider corrupting a
 * share c of its answers: the measured probability of a first detection within n calls against the
 * analytic 1 − (1 − p·c)^n, drawn into a PNG.
 *
 * <pre>
 *   bench/run-verification.sh [callsPerMode] [catchCalls] [p] [cheatRate]
 * </pre>
 */
public final class VerificationBench {
  private VerificationBench() {}

  public static void main(String[] args) throws Exception {
    int perMode = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
    int catchCalls = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
    double p = args.length > 2 ? Double.parseDouble(args[2]) : 0.1;
    double cheat = args.length > 3 ? Double.parseDouble(args[3]) : 0.1;
    Path png = Path.of(System.getProperty("bench.png", "verification-catch.png"));
    Path work = Files.createTempDirectory("verinfer-verify");
    try (DevnetSupervisor devnet =
        DevnetSupervisor.start(DevnetSupervisor.Options.defaults(), s -> {})) {
      Path pack = Packs.pack("fraud-detect");
      ModelId model = Packs.publish(devnet.deployment(), "fraud-detect");
      // the cheater is the cheapest, so the client ranks it first and samples against the others
      try (ProviderNode cheater =
              provider(devnet, work, pack, 8, 900, new FaultInjection(cheat, 1));
          ProviderNode a = provider(devnet, work, pack, 9, 1_000, FaultInjection.none());
          ProviderNode b = provider(devnet, work, pack, 10, 1_100, FaultInjection.none());
          ProviderNode c = provider(devnet, work, pack, 11, 1_200, FaultInjection.none());
          VerinferClient client =
              VerinferClient.connect(
                  devnet.deployment(),
                  DevAccounts.account(2),
                  work.resolve("client"),
                  ClientOptions.defaults().withSampler(new SplittableRandom(2026)))) {
        System.err.println(
            "providers: cheater "
                + cheater.baseUrl()
                + ", honest "
                + List.of(a.baseUrl(), b.baseUrl(), c.baseUrl()));
        client.deposit(TokenAmount.ofTokens("100000"));
        Routing honest = Routing.only(address(9), address(10), address(11));
        List<Address> honestOnes = List.of(address(9), address(10), address(11));
        System.out.println("== cost of each mode over honest providers (" + perMode + " calls)");
        List<Verification> modes =
            List.of(Verification.none(), Verification.sampled(p), Verification.redundant(3));
        for (Verification mode : modes) {
          run(client, model, honest, mode, perMode, honestOnes); // warm-up: JIT, lanes, caches
        }
        // two measured rounds per mode, alternating, averaged
        java.util.Map<Verification, List<Cost>> costs = new java.util.LinkedHashMap<>();
        for (int round = 0; round < 2; round++) {
          for (Verification mode : modes) {
            costs
                .computeIfAbsent(mode, m -> new ArrayList<>())
                .add(run(client, model, honest, mode, perMode, honestOnes));
          }
        }
        Cost base = Cost.mean(costs.get(Verification.none()));
        for (var e : costs.entrySet()) {
          Cost cost = Cost.mean(e.getValue());
          System.out.printf(
              Locale.ROOT,
              "%-14s %,7.0f calls/s (%.2fx none)  cpu %,6.0f us/call (%.2fx)  tokens/call %.0f"
                  + " (%.3fx)  checked %d, disputes %d%n",
              e.getKey(),
              cost.callsPerSecond(),
              cost.callsPerSecond() / base.callsPerSecond(),
              cost.cpuMicrosPerCall(),
              cost.cpuMicrosPerCall() / base.cpuMicrosPerCall(),
              cost.tokensPerCall(),
              cost.tokensPerCall() / base.tokensPerCall(),
              cost.checked(),
              cost.disputes());
        }

        System.out.printf(
            Locale.ROOT,
            "== sampled(%s) against a provider corrupting %.0f%% of its answers (%d calls)%n",
            p,
            cheat * 100,
            catchCalls);
        Routing mixed = Routing.only(address(8), address(9));
        List<Integer> detectionTimes = new ArrayList<>();
        int sinceLast = 0;
        int cheaterFirst = 0;
        for (int i = 0; i < catchCalls; i++) {
          InferenceResult r =
              client.infer(model, List.of(features(i)), mixed, Verification.sampled(p));
          sinceLast++;
          if (r.provider().equals(address(8))) {
            cheaterFirst++;
          }
          if (r.verification().outcome() == Outcome.MISMATCH) {
            detectionTimes.add(sinceLast); // the draws are independent: each detection ends a trial
            sinceLast = 0;
          }
          if ((i + 1) % 5_000 == 0) {
            System.err.printf(
                Locale.ROOT, "  %,d calls, %d detections%n", i + 1, detectionTimes.size());
          }
        }
        double q = p * cheat;
        System.out.printf(
            Locale.ROOT,
            "detections %d in %d calls (%.4f per call, analytic p*c = %.4f); cheater answered"
                + " first in %d calls; mean calls to detection %.1f (analytic %.1f)%n",
            detectionTimes.size(),
            catchCalls,
            detectionTimes.size() / (double) catchCalls,
            q,
            cheaterFirst,
            detectionTimes.stream().mapToInt(Integer::intValue).average().orElse(Double.NaN),
            1 / q);
        int horizon = (int) Math.ceil(4.6 / q); // where the analytic curve passes 99%
        double[] measured = new double[horizon + 1];
        double[] analytic = new double[horizon + 1];
        for (int n = 0; n <= horizon; n++) {
          final int within = n;
          measured[n] =
              detectionTimes.isEmpty()
                  ? 0
                  : detectionTimes.stream().filter(t -> t <= within).count()
                      / (double) detectionTimes.size();
          analytic[n] = 1 - Math.pow(1 - q, n);
        }
        for (int n : new int[] {10, 50, 100, 200, 300, 460}) {
          if (n <= horizon) {
            System.out.printf(
                Locale.ROOT,
                "P(caught within %3d calls): measured %.3f, analytic %.3f%n",
                n,
                measured[n],
                analytic[n]);
          }
        }
        CatchPlot.write(
            png,
            measured,
            analytic,
            String.format(
                Locale.ROOT,
                "sampled(%s), cheater corrupting %.0f%%: %d detections in %,d calls",
                p,
                cheat * 100,
                detectionTimes.size(),
                catchCalls));
        System.out.println("wrote " + png.toAbsolutePath());
      }
    }
  }

  private record Cost(
      double callsPerSecond,
      double cpuMicrosPerCall,
      double tokensPerCall,
      int checked,
      int disputes) {
    static Cost mean(List<Cost> rounds) {
      return new Cost(
          rounds.stream().mapToDouble(Cost::callsPerSecond).average().orElseThrow(),
          rounds.stream().mapToDouble(Cost::cpuMicrosPerCall).average().orElseThrow(),
          rounds.stream().mapToDouble(Cost::tokensPerCall).average().orElseThrow(),
          rounds.stream().mapToInt(Cost::checked).sum(),
          rounds.stream().mapToInt(Cost::disputes).sum());
    }
  }

  private static Cost run(
      VerinferClient client,
      ModelId model,
      Routing routing,
      Verification mode,
      int calls,
      List<Address> providers) {
    BigInteger spentBefore = spent(client, providers, model);
    long cpu0 = PaidPathLoad.OS.getProcessCpuTime();
    long t0 = System.nanoTime();
    int checked = 0;
    int disputes = 0;
    for (int i = 0; i < calls; i++) {
      InferenceResult r = client.infer(model, List.of(features(i)), routing, mode);
      if (r.verification().outcome() != Outcome.NOT_CHECKED) {
        checked++;
      }
      disputes += r.verification().disputes().size();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    double cpu = (PaidPathLoad.OS.getProcessCpuTime() - cpu0) / 1e3;
    BigInteger spent = spent(client, providers, model).subtract(spentBefore);
    return new Cost(calls / seconds, cpu / calls, spent.doubleValue() / calls, checked, disputes);
  }

  /** What the client's vouchers have promised these providers so far (base units). */
  private static BigInteger spent(VerinferClient client, List<Address> providers, ModelId model) {
    BigInteger sum = BigInteger.ZERO;
    for (Address p : providers) {
      sum =
          sum.add(
              client
                  .newestVoucher(p, model)
                  .map(v -> v.voucher().cumulativeAmount().baseUnits())
                  .orElse(BigInteger.ZERO));
    }
    return sum;
  }

  private static ProviderNode provider(
      DevnetSupervisor devnet,
      Path work,
      Path pack,
      int account,
      long price,
      FaultInjection faults) {
    return PaidPathLoad.provider(devnet, work, pack, account, false, TokenAmount.of(price), faults);
  }

  private static Address address(int account) {
    return Address.of(DevAccounts.account(account).getAddress());
  }

  /** One fraud-detect request, varied by {@code i}. */
  static Tensor features(int i) {
    float[] row = {120 + i % 97, 22, 2 + i % 5, 35, 3, 400 + 7 * (i % 89), i % 2, 0};
    return Tensor.ofFloats("features", new long[] {1, 8}, row);
  }
}
