package io.verinfer.node.onchain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.bindings.FraudScoreConsumer;
import io.verinfer.chain.bindings.InferenceCoordinator.InferenceFulfilledEventResponse;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Requested;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The shared devnet as an on-chain IT finds it and leaves it, registered with {@code
 * RegisterExtension} on a static field: before the tests a snapshot, the dev accounts ({@link
 * Actors}), what the chain records ({@link ChainRecord}) and the provider node serving {@code
 * fraud-detect} ({@link OnchainProvider}), with helpers for the SDK example contract ({@link
 * FraudScoreConsumer}) that asks it for scores; after each test automining back on; after the tests
 * the node stopped and the devnet reverted to the snapshot.
 */
final class OnchainScene implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
  static final Address ME = OnchainProvider.ME;
  static final TokenAmount MAX_FEE = TokenAmount.of(5_000);

  /** The transaction the consumer contract asks about, in millionths of each feature. */
  static final long[] FEATURES_MICROS = {
    250_500_000, 2_000_000, 4_000_000, 35_250_000, 3_000_000, 12_000_000, 0, 1_000_000
  };

  // set before the tests of a class, for them
  Actors actors;
  ChainRecord record;
  OnchainProvider provider;
  private String snapshot;
  private Path dir;

  /** Takes the snapshot, then publishes the pack and starts the provider node. */
  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    dir = Files.createTempDirectory("verinfer-onchain-it-");
    snapshot = SharedDevnet.snapshot();
    actors = new Actors();
    record =
        new ChainRecord(
            actors.admin().coordinator().address(),
            SharedDevnet.get().deployment().deployedAtBlock());
    provider = OnchainProvider.publishAndStart(actors, dir);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    SharedDevnet.automine(true);
  }

  /** Stops the node and puts the devnet back as it was (also after a failed start). */
  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    try {
      if (provider != null) {
        provider.close();
      }
      if (actors != null) {
        actors.close();
      }
    } finally {
      if (snapshot != null) {
        SharedDevnet.revert(snapshot);
      }
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(f);
        }
      }
    }
  }

  /**
   * Lists three more staked providers of the model, priced above {@link #MAX_FEE} so no request is
   * ever assigned to them: the candidates a dispute committee needs, without which the coordinator
   * refuses optimistic requests ({@code CommitteeCannotForm}).
   */
  void listCommitteeCandidates() {
    for (int i = 1; i <= 3; i++) {
      VerinferChain p = actors.provider(i);
      TokenAmount stake = TokenAmount.ofTokens("2000");
      p.token().approve(p.providers().address(), stake);
      p.providers().stake(stake);
      p.providers()
          .register("https://candidate" + i + ".onchain.test", io.verinfer.protocol.Bytes32.ZERO);
      p.providers().setModel(provider.model(), MAX_FEE.plus(TokenAmount.of(1)));
    }
  }

  /**
   * The SDK example contract asking the provider's model at most {@link #MAX_FEE} a request,
   * deployed by {@code owner} with a coordinator deposit of 100,000 of the owner's tokens.
   */
  FraudScoreConsumer deployConsumer(VerinferChain owner) {
    return io.verinfer.chain.FraudScoreExample.deploy(
        owner, provider.model(), MAX_FEE, TokenAmount.of(100_000));
  }

  /** {@code owner} has the consumer ask for the score of {@link #FEATURES_MICROS}; not mined on. */
  static Requested requestScore(
      VerinferChain owner, FraudScoreConsumer consumer, boolean optimistic) {
    List<BigInteger> features =
        Arrays.stream(FEATURES_MICROS).mapToObj(BigInteger::valueOf).toList();
    String call =
        (optimistic ? consumer.requestScoreOptimistic(features) : consumer.requestScore(features))
            .encodeFunctionCall();
    return owner
        .coordinator()
        .requested(owner.sender().send(consumer.getContractAddress(), call))
        .get(0);
  }

  /** Whether the consumer holds the answer to request {@code id}. */
  static boolean answered(FraudScoreConsumer consumer, long id) {
    try {
      return consumer.answered(BigInteger.valueOf(id)).send();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The score the consumer keeps for a fraud probability {@code p}: millionths, rounded down. */
  static BigInteger scoreMicros(float p) {
    return new BigDecimal(p).movePointRight(6).setScale(0, RoundingMode.DOWN).toBigIntegerExact();
  }

  /**
   * Checks that this node broadcast one transaction since its pending nonce was {@code before}. The
   * node records a transaction's hash before it broadcasts it, so once a test has seen the record
   * it waits for the broadcast.
   */
  void assertOneSentSince(long before) throws InterruptedException {
    OnchainProvider.await("the transaction broadcast", () -> record.pendingNonce(ME) > before);
    assertThat(record.pendingNonce(ME)).isEqualTo(before + 1);
  }

  /** The one delivery of request {@code id} on the chain, credited to this node. */
  InferenceFulfilledEventResponse fulfilledOnce(long id) {
    List<InferenceFulfilledEventResponse> all = record.fulfilments(id);
    assertThat(all).hasSize(1);
    assertThat(Address.of(all.get(0).provider)).isEqualTo(ME);
    return all.get(0);
  }
}
