package io.verinfer.chain.stats;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.bindings.DisputeManager;
import io.verinfer.chain.bindings.PaymentChannels;
import io.verinfer.chain.facade.AvailabilityOracleFacade;
import io.verinfer.chain.facade.ModelRegistryFacade;
import io.verinfer.chain.tx.ChainException;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.oracle.Figures;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Consumer;
import org.web3j.abi.EventEncoder;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;

/**
 * Per model, what the chain says of its use and quality: paid calls settled on-chain (the highest
 * cumulative call count redeemed on each lane, summed), eligible providers, disputes opened (and
 * their rate per 1,000 calls), and the median latency the availability oracle reports for its
 * providers (statuses fresh as {@code ProviderReputation} counts them). Read from the contracts'
 * state and their logs since the deployment block; {@code verinfer model list --sort} ranks by it.
 */
public final class ModelStats {
  /** Blocks per {@code eth_getLogs} request (public RPCs cap the range). */
  static final long LOG_RANGE = 5_000;

  private static final String REDEEMED = EventEncoder.encode(PaymentChannels.REDEEMED_EVENT);
  private static final String OPENED = EventEncoder.encode(DisputeManager.DISPUTEOPENED_EVENT);

  /** One model's figures, with what the registry holds of it. */
  public record Row(
      ModelRegistryFacade.ModelInfo info,
      long calls,
      int providers,
      long disputes,
      OptionalLong medianLatencyMs) {

    public ModelId model() {
      return info.id();
    }

    /** Disputes per 1,000 settled calls (0 with no calls). */
    public double disputesPerThousand() {
      return calls == 0 ? 0 : 1_000.0 * disputes / calls;
    }
  }

  /** The orders {@code --sort} accepts. */
  public enum Sort {
    ID(Comparator.comparingLong(r -> r.model().value())),
    CALLS(Comparator.comparingLong(Row::calls).reversed()),
    PROVIDERS(Comparator.comparingInt(Row::providers).reversed()),
    DISPUTES(Comparator.comparingDouble(Row::disputesPerThousand)),
    LATENCY(
        Comparator.comparingLong(
            (Row r) ->
                r.medianLatencyMs().isPresent()
                    ? r.medianLatencyMs().getAsLong()
                    : Long.MAX_VALUE));

    private final Comparator<Row> order;

    Sort(Comparator<Row> order) {
      this.order = order;
    }

    public Comparator<Row> order() {
      return order.thenComparingLong(r -> r.model().value());
    }

    public static Sort parse(String name) {
      try {
        return valueOf(name.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "--sort must be one of id, calls, providers, disputes, latency; not " + name, e);
      }
    }
  }

  private ModelStats() {}

  /** Every published model's figures, in {@code sort} order. */
  public static List<Row> collect(VerinferChain chain, Sort sort, Consumer<String> progress) {
    long latest;
    try {
      latest = chain.web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
    } catch (IOException e) {
      throw new ChainException("cannot read the latest block: " + e.getMessage(), e);
    }
    long from = chain.deployment().deployedAtBlock();
    Map<String, Long> laneCalls = new HashMap<>();
    Map<Long, Long> callsByModel = new HashMap<>();
    for (Log log : logs(chain, chain.channels().address(), REDEEMED, from, latest, progress)) {
      var e = PaymentChannels.getRedeemedEventFromLog(log);
      String lane = e.consumer + "/" + e.provider + "/" + e.modelId;
      long calls = e.cumulativeCalls.longValueExact();
      long before = laneCalls.getOrDefault(lane, 0L);
      if (calls > before) {
        laneCalls.put(lane, calls);
        callsByModel.merge(e.modelId.longValueExact(), calls - before, Long::sum);
      }
    }
    Map<Long, Long> disputes = new HashMap<>();
    for (Log log : logs(chain, chain.disputes().address(), OPENED, from, latest, progress)) {
      long model = new BigInteger(log.getTopics().get(3).substring(2), 16).longValueExact();
      disputes.merge(model, 1L, Long::sum);
    }
    AvailabilityOracleFacade oracle = chain.oracle();
    long epoch = oracle.currentEpoch();
    // fresh as ProviderReputation counts it
    int freshEpochs = chain.reputation().params().freshEpochs();
    List<Row> rows = new ArrayList<>();
    long count = chain.models().modelCount();
    for (long i = 1; i <= count; i++) {
      ModelId model = ModelId.of(i);
      var m = chain.models().model(model);
      int eligible = 0;
      List<Long> latencies = new ArrayList<>();
      for (Address p : chain.providers().providersOf(model)) {
        if (!chain.providers().isEligible(p, model)) continue;
        eligible++;
        var status = oracle.statusOf(i, p);
        if (status.reported()
            && status.epoch() + freshEpochs >= epoch
            && status.figures().latencyMs() != Figures.NO_LATENCY) {
          latencies.add(status.figures().latencyMs());
        }
      }
      OptionalLong latency = OptionalLong.empty();
      if (!latencies.isEmpty()) {
        latencies.sort(Long::compare);
        latency = OptionalLong.of(latencies.get((latencies.size() - 1) / 2));
      }
      rows.add(
          new Row(
              m,
              callsByModel.getOrDefault(i, 0L),
              eligible,
              disputes.getOrDefault(i, 0L),
              latency));
    }
    rows.sort(sort.order());
    return rows;
  }

  private static List<Log> logs(
      VerinferChain chain,
      Address contract,
      String topic,
      long from,
      long to,
      Consumer<String> progress) {
    List<Log> out = new ArrayList<>();
    // bounded: `start` grows by LOG_RANGE each round until it passes `to`
    for (long start = from; start <= to; start += LOG_RANGE) {
      long end = Math.min(to, start + LOG_RANGE - 1);
      EthFilter filter =
          new EthFilter(
              DefaultBlockParameter.valueOf(BigInteger.valueOf(start)),
              DefaultBlockParameter.valueOf(BigInteger.valueOf(end)),
              contract.value());
      filter.addSingleTopic(topic);
      EthLog answer;
      try {
        answer = chain.web3j().ethGetLogs(filter).send();
      } catch (IOException | RuntimeException e) {
        throw new ChainException("eth_getLogs [" + start + ".." + end + "]: " + e.getMessage(), e);
      }
      if (answer.hasError()) {
        throw new ChainException(
            "eth_getLogs [" + start + ".." + end + "]: " + answer.getError().getMessage());
      }
      for (EthLog.LogResult<?> r : answer.getLogs()) {
        if (r.get() instanceof Log log) out.add(log);
      }
      if (to - from > 10 * LOG_RANGE && (start - from) % (10 * LOG_RANGE) == 0) {
        progress.accept("read logs up to block " + end + " of " + to);
      }
    }
    return out;
  }
}
