package io.verinfer.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.CoordinatorModel.End;
import io.verinfer.chain.CoordinatorModel.Req;
import io.verinfer.chain.bindings.FraudScoreConsumer;
import io.verinfer.chain.bindings.InferenceCoordinator;
import io.verinfer.chain.facade.InferenceCoordinatorFacade;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.web3j.abi.EventEncoder;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * What {@link CoordinatorInvariantsIT} checks after every step: the chain's views, token balance,
 * events and stakes against {@link CoordinatorModel}.
 */
final class CoordinatorChecks {
  private static final String FULFILLED =
      EventEncoder.encode(InferenceCoordinator.INFERENCEFULFILLED_EVENT);
  private static final String REJECTED =
      EventEncoder.encode(InferenceCoordinator.INFERENCEREJECTED_EVENT);
  private static final String CANCELLED =
      EventEncoder.encode(InferenceCoordinator.REQUESTCANCELLED_EVENT);
  private static final String SCORED = EventEncoder.encode(FraudScoreConsumer.SCORED_EVENT);

  private final VerinferChain admin;
  private final CoordinatorModel model;
  private final Address consumer;
  private final InferenceCoordinatorFacade coordinator;
  private final InferenceCoordinator binding;
  private final long firstBlock;
  private final long timeout;
  private final long challengeWindow;

  CoordinatorChecks(VerinferChain admin, CoordinatorModel model, Address consumer)
      throws Exception {
    this.admin = admin;
    this.model = model;
    this.consumer = consumer;
    this.coordinator = admin.coordinator();
    this.binding =
        InferenceCoordinator.load(
            coordinator.address().value(), admin.web3j(), admin.sender(), new DefaultGasProvider());
    var config = binding.config().send();
    this.timeout = config.component1().longValueExact();
    this.challengeWindow = config.component3().longValueExact();
    this.firstBlock = admin.web3j().ethBlockNumber().send().getBlockNumber().longValueExact() + 1;
  }

  long timeout() {
    return timeout;
  }

  long challengeWindow() {
    return challengeWindow;
  }

  void verify() throws Exception {
    money();
    requests();
    events();
    for (var e : model.stake.entrySet()) {
      assertThat(admin.providers().provider(e.getKey()).slashable().baseUnits())
          .as("stake of %s (only a guilty verdict moves it)", e.getKey())
          .isEqualTo(e.getValue());
    }
  }

  /** {@code deadline} is {@code seconds} after the timestamp of block {@code block}. */
  void deadline(Instant deadline, long block, long seconds) {
    EthBlock.Block mined;
    try {
      mined =
          admin
              .web3j()
              .ethGetBlockByNumber(DefaultBlockParameter.valueOf(BigInteger.valueOf(block)), false)
              .send()
              .getBlock();
    } catch (IOException e) {
      throw new UncheckedIOException("reading block " + block, e);
    }
    assertThat(deadline.getEpochSecond())
        .as("deadline")
        .isEqualTo(mined.getTimestamp().longValueExact() + seconds);
  }

  private void money() throws Exception {
    BigInteger reported = BigInteger.ZERO;
    for (var e : model.deposit.entrySet()) {
      BigInteger onChain = coordinator.depositOf(e.getKey()).baseUnits();
      assertThat(onChain).as("deposit of %s", e.getKey()).isEqualTo(e.getValue());
      reported = reported.add(onChain);
    }
    for (var e : model.earnings.entrySet()) {
      BigInteger onChain = coordinator.earningsOf(e.getKey()).baseUnits();
      assertThat(onChain).as("earnings of %s", e.getKey()).isEqualTo(e.getValue());
      reported = reported.add(onChain);
    }
    var shares = binding.sharesOf(BigInteger.valueOf(model.model.value())).send();
    assertThat(List.of(shares.component1(), shares.component2(), shares.component3()))
        .as("royalty, protocol fee, answers of the model")
        .containsExactly(model.royaltyShare, model.feeShare, BigInteger.valueOf(model.answers));
    reported = reported.add(shares.component1()).add(shares.component2());
    BigInteger reserves = BigInteger.ZERO;
    for (Req r : model.requests(Req::open)) {
      reserves = reserves.add(r.reserve());
    }
    BigInteger held = admin.token().balanceOf(coordinator.address()).baseUnits();
    assertThat(held)
        .as("coordinator holds deposits + reserves + earnings + shares (the model's)")
        .isEqualTo(model.holdings());
    assertThat(held)
        .as("coordinator holds deposits + reserves + earnings + shares (as its views report)")
        .isEqualTo(reported.add(reserves));
  }

  private void requests() {
    assertThat(coordinator.requestCount()).isEqualTo(model.requests.size());
    for (Req r : model.requests.values()) {
      assertThat(coordinator.isPending(r.id)).as("request %d pending", r.id).isEqualTo(r.open());
      assertThat(coordinator.disputeOf(r.id)).as("dispute of %d", r.id).isEqualTo(r.disputeId);
    }
  }

  /** One ending event per ended request, none for an open one; callbacks only on delivery. */
  private void events() throws IOException {
    EthFilter filter =
        new EthFilter(
            DefaultBlockParameter.valueOf(BigInteger.valueOf(firstBlock)),
            DefaultBlockParameterName.LATEST,
            List.of(coordinator.address().value(), consumer.value()));
    Map<Long, List<End>> ends = new HashMap<>();
    Map<Long, Integer> callbacks = new HashMap<>();
    for (EthLog.LogResult<?> result : admin.web3j().ethGetLogs(filter).send().getLogs()) {
      Log log = (Log) result.get();
      String topic = log.getTopics().getFirst();
      boolean fromConsumer = Address.of(log.getAddress()).equals(consumer);
      if (fromConsumer && topic.equals(SCORED)) {
        long id = FraudScoreConsumer.getScoredEventFromLog(log).requestId.longValueExact();
        callbacks.merge(id, 1, Integer::sum);
      } else if (!fromConsumer && topic.equals(FULFILLED)) {
        var e = InferenceCoordinator.getInferenceFulfilledEventFromLog(log);
        Req r = known(e.id, ends, End.FULFILLED);
        assertThat(Address.of(e.provider)).isEqualTo(r.ticket().provider());
        assertThat(Bytes32.of(e.outputHash)).isEqualTo(Bytes32.keccak256(r.output));
        assertThat(e.callbackSucceeded).as("callback of %d succeeded", r.id).isTrue();
      } else if (!fromConsumer && topic.equals(REJECTED)) {
        var e = InferenceCoordinator.getInferenceRejectedEventFromLog(log);
        Req r = known(e.id, ends, End.REJECTED);
        assertThat(e.refund).isEqualTo(r.reserve());
        assertThat(e.disputeId.longValueExact()).isEqualTo(r.disputeId);
      } else if (!fromConsumer && topic.equals(CANCELLED)) {
        var e = InferenceCoordinator.getRequestCancelledEventFromLog(log);
        assertThat(e.refund).isEqualTo(known(e.id, ends, End.CANCELLED).reserve());
      }
    }
    for (Req r : model.requests.values()) {
      assertThat(ends.getOrDefault(r.id, List.of()))
          .as("ending events of request %d", r.id)
          .isEqualTo(r.open() ? List.of() : List.of(r.end));
      boolean delivered = r.end == End.FULFILLED && r.requester.equals(consumer);
      assertThat(callbacks.getOrDefault(r.id, 0))
          .as("callbacks of request %d (%s)", r.id, r.end)
          .isEqualTo(delivered ? 1 : 0);
    }
    assertThat(model.requests.keySet()).containsAll(callbacks.keySet());
  }

  private Req known(BigInteger id, Map<Long, List<End>> ends, End end) {
    Req r = model.requests.get(id.longValueExact());
    assertThat(r).as("request %s of an event", id).isNotNull();
    ends.computeIfAbsent(r.id, k -> new ArrayList<>()).add(end);
    return r;
  }
}
