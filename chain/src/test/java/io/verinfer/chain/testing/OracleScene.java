package io.verinfer.chain.testing;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.facade.AvailabilityOracleFacade;
import io.verinfer.chain.facade.AvailabilityOracleFacade.SignedObservation;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.oracle.Figures;
import io.verinfer.protocol.oracle.Observation;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Adapters on the shared devnet's {@code AvailabilityOracle}: dev accounts that join with stake,
 * sign their observation vectors and have them submitted as one report. Tests move the chain clock
 * a whole epoch before each report ({@link #nextEpoch}) and revert the chain afterwards.
 */
public final class OracleScene {
  public static final TokenAmount STAKE = TokenAmount.ofTokens("2000");

  private final Actors actors;
  private final List<Integer> accounts;
  private final List<VerinferChain> adapters = new ArrayList<>();

  /** Adapters on dev accounts {@code accounts} (consumers' range: 2..7). */
  public OracleScene(Actors actors, List<Integer> accounts) {
    this.actors = actors;
    this.accounts = List.copyOf(accounts);
    for (int a : accounts) {
      adapters.add(actors.account(a));
    }
  }

  public static OracleScene firstN(Actors actors, int n) {
    return new OracleScene(
        actors, IntStream.range(Actors.CONSUMER_0, Actors.CONSUMER_0 + n).boxed().toList());
  }

  public AvailabilityOracleFacade oracle() {
    return actors.admin().oracle();
  }

  public VerinferChain adapter(int i) {
    return adapters.get(i);
  }

  public Address address(int i) {
    return Actors.address(accounts.get(i));
  }

  public int size() {
    return adapters.size();
  }

  /** Every adapter joins with {@link #STAKE}. */
  public OracleScene joinAll() {
    for (int i = 0; i < adapters.size(); i++) {
      join(i);
    }
    return this;
  }

  public void join(int i) {
    VerinferChain a = adapters.get(i);
    a.token().approve(a.oracle().address(), STAKE);
    a.oracle().join(STAKE, "https://127.0.0.1:" + (9100 + i) + "/");
  }

  /** Moves the clock one epoch on: the epoch that was running can now be reported. */
  public long nextEpoch() {
    AvailabilityOracleFacade o = oracle();
    long seconds = o.epochLength().toSeconds();
    long now = SharedDevnet.latestTimestamp();
    long elapsed = (now - o.genesis()) % seconds;
    SharedDevnet.increaseTime(seconds - elapsed + 1);
    return o.currentEpoch() - 1;
  }

  /** Adapter {@code i}'s signed vector. */
  public SignedObservation signed(
      int i, long model, long epoch, List<Address> providers, List<Figures> values) {
    Observation o = new Observation(model, epoch, providers, values);
    return new SignedObservation(
        address(i), o, o.sign(Actors.signer(accounts.get(i)), oracle().domain()));
  }

  /**
   * Submits one report in which adapter {@code i} (for each i in {@code who}) says {@code
   * vectors.get(i)}.
   */
  public TxResult report(
      long model,
      long epoch,
      List<Address> providers,
      List<Integer> who,
      List<List<Figures>> vectors) {
    List<SignedObservation> signed = new ArrayList<>();
    for (int w = 0; w < who.size(); w++) {
      signed.add(signed(who.get(w), model, epoch, providers, vectors.get(w)));
    }
    return oracle().submit(signed);
  }

  /** {@code n} distinct made-up provider addresses, ascending. */
  public static List<Address> providers(int n, int salt) {
    List<Address> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] b =
          io.verinfer.protocol.Bytes32.keccak256(("provider " + salt + "/" + i).getBytes()).bytes();
      list.add(Address.of(java.util.Arrays.copyOfRange(b, 12, 32)));
    }
    return Observation.sorted(list);
  }
}
