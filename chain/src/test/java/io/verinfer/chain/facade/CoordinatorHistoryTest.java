package io.verinfer.chain.facade;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.bindings.InferenceCoordinator;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Ticket;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.time.Instant;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.ReadonlyTransactionManager;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * The output of a {@code MODE_NONE} answer delivered without an {@code InferenceDelivered} event
 * (an older coordinator) is read back from the {@code fulfil} calldata: encoded by the generated
 * binding, decoded by {@link CoordinatorHistory#fulfilOutput}.
 */
class CoordinatorHistoryTest {
  private static final String COORDINATOR = "0x00000000000000000000000000000000000000c0";
  // never contacted: the binding only encodes calls here
  private static final Web3j OFFLINE = Web3j.build(new HttpService("http://127.0.0.1:9"));
  private static final InferenceCoordinator BINDING =
      InferenceCoordinator.load(
          COORDINATOR,
          OFFLINE,
          new ReadonlyTransactionManager(OFFLINE, COORDINATOR),
          new DefaultGasProvider());

  private static Ticket ticket(long seed) {
    return new Ticket(
        Address.of("0x00000000000000000000000000000000000000a1"),
        ModelId.of(1 + (seed & 0xffff)),
        5_000 + (seed & 0xfff),
        (int) (seed & 1),
        1,
        Address.of("0x00000000000000000000000000000000000000b2"),
        TokenAmount.of(seed & 0xffffff),
        TokenAmount.of(0xffffff),
        TokenAmount.of(7),
        TokenAmount.of(3),
        Instant.ofEpochSecond(1_700_000_000L + (seed & 0xffff)),
        Bytes32.keccak256(BigInteger.valueOf(seed).toByteArray()),
        Bytes32.ZERO);
  }

  private static String fulfilData(long id, Ticket t, byte[] output) {
    return BINDING.fulfil(BigInteger.valueOf(id), t.struct(), output).encodeFunctionCall();
  }

  @Property
  void theOutputOfAFulfilCallRoundTrips(
      @ForAll @LongRange(min = 1) long id, @ForAll @Size(max = 600) byte[] output) {
    String data = fulfilData(id, ticket(id), output);
    assertThat(CoordinatorHistory.fulfilOutput(data, id))
        .hasValueSatisfying(o -> assertThat(o).isEqualTo(output));
  }

  @Property
  void anotherRequestOrAnotherCallOrBrokenDataGivesNothing(
      @ForAll @LongRange(min = 1, max = Long.MAX_VALUE - 1) long id,
      @ForAll @Size(min = 1, max = 200) byte[] output) {
    String data = fulfilData(id, ticket(id), output);
    assertThat(CoordinatorHistory.fulfilOutput(data, id + 1)).isEmpty();
    String settle =
        BINDING.settle(BigInteger.valueOf(id), ticket(id).struct(), output).encodeFunctionCall();
    assertThat(CoordinatorHistory.fulfilOutput(settle, id)).isEmpty();
    assertThat(CoordinatorHistory.fulfilOutput(data.substring(0, 10 + 64 * 5), id)).isEmpty();
    assertThat(CoordinatorHistory.fulfilOutput("0x", id)).isEmpty();
    assertThat(CoordinatorHistory.fulfilOutput(null, id)).isEmpty();
  }
}
