package io.verinfer.chain.testing;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.bindings.DynamicFeePool;
import io.verinfer.chain.bindings.TestToken;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * A {@code DynamicFeePool} over two fresh test tokens on the shared devnet, deployed and funded by
 * one account that also provides its liquidity and trades in it. Prices move by real swaps: {@link
 * #moveTo} computes the swap that brings the pool's price to a target with the contract's own
 * integer arithmetic.
 */
public final class FeePool {
  public static final BigInteger WAD = BigInteger.TEN.pow(18);
  private static final BigInteger BPS = BigInteger.valueOf(10_000);
  private static final BigInteger SUPPLY = WAD.multiply(BigInteger.TEN.pow(12));

  /** How a pool is set up: its model, what a fee update may cost, and its fee bounds. */
  public record Terms(
      ModelId model,
      TokenAmount maxFee,
      long callbackGas,
      int minFeeBps,
      int maxFeeBps,
      int initialFeeBps,
      int feeStepBps) {}

  private final VerinferChain owner;
  private final DynamicFeePool pool;
  private final String token0;
  private final String token1;

  private FeePool(VerinferChain owner, DynamicFeePool pool, String token0, String token1) {
    this.owner = owner;
    this.pool = pool;
    this.token0 = token0;
    this.token1 = token1;
  }

  /**
   * Deploys two tokens and a pool on them from {@code owner}, adds liquidity at price {@code
   * startPrice} (token1 per token0) and funds the pool's coordinator deposit with {@code deposit}.
   */
  public static FeePool deploy(
      VerinferChain owner, Terms terms, double startPrice, TokenAmount deposit) throws Exception {
    String t0 = deployToken(owner, "Token Zero", "TK0");
    String t1 = deployToken(owner, "Token One", "TK1");
    DynamicFeePool pool =
        DynamicFeePool.deploy(
                owner.web3j(),
                owner.sender(),
                new DefaultGasProvider(),
                t0,
                t1,
                owner.coordinator().address().value(),
                BigInteger.valueOf(terms.model().value()),
                terms.maxFee().baseUnits(),
                BigInteger.valueOf(terms.callbackGas()),
                BigInteger.valueOf(terms.minFeeBps()),
                BigInteger.valueOf(terms.maxFeeBps()),
                BigInteger.valueOf(terms.initialFeeBps()),
                BigInteger.valueOf(terms.feeStepBps()))
            .send();
    FeePool fp = new FeePool(owner, pool, t0, t1);
    for (String token : List.of(t0, t1)) {
      TestToken t = TestToken.load(token, owner.web3j(), owner.sender(), new DefaultGasProvider());
      owner.sender().send(token, t.approve(fp.address().value(), SUPPLY).encodeFunctionCall());
    }
    BigInteger reserve0 = WAD.multiply(BigInteger.valueOf(1_000_000));
    BigInteger reserve1 = wad(startPrice).multiply(reserve0).divide(WAD);
    owner
        .sender()
        .send(fp.address().value(), pool.addLiquidity(reserve0, reserve1).encodeFunctionCall());
    owner.token().approve(owner.coordinator().address(), deposit);
    owner.coordinator().depositFor(fp.address(), deposit);
    return fp;
  }

  private static String deployToken(VerinferChain owner, String name, String symbol)
      throws Exception {
    return TestToken.deploy(
            owner.web3j(), owner.sender(), new DefaultGasProvider(), name, symbol, SUPPLY)
        .send()
        .getContractAddress();
  }

  public Address address() {
    return Address.of(pool.getContractAddress());
  }

  public String token0() {
    return token0;
  }

  public String token1() {
    return token1;
  }

  public DynamicFeePool binding() {
    return pool;
  }

  public int feeBps() throws Exception {
    return pool.feeBps().send().intValueExact();
  }

  public long priceCount() throws Exception {
    return pool.priceCount().send().longValueExact();
  }

  /** The recorded prices, oldest first, as the doubles the Java feature reference takes. */
  public double[] prices() throws Exception {
    List<?> raw = pool.recentPrices().send();
    return raw.stream()
        .mapToDouble(p -> new BigDecimal((BigInteger) p).divide(new BigDecimal(WAD)).doubleValue())
        .toArray();
  }

  /** The pool's on-chain features (6-decimal fixed point) as doubles. */
  public double[] features() throws Exception {
    List<?> raw = pool.features().send();
    return raw.stream().mapToDouble(v -> ((BigInteger) v).longValueExact() / 1e6).toArray();
  }

  /** Swaps {@code amountIn} of {@code tokenIn} as the owner for any positive output. */
  public TxResult swap(String tokenIn, BigInteger amountIn) {
    return swap(tokenIn, amountIn, BigInteger.ONE);
  }

  public TxResult swap(String tokenIn, BigInteger amountIn, BigInteger minOut) {
    return owner
        .sender()
        .send(address().value(), pool.swap(tokenIn, amountIn, minOut).encodeFunctionCall());
  }

  /** Asks for a fee update as {@code caller} (anyone may). */
  public TxResult requestFeeUpdate(VerinferChain caller) {
    return caller.sender().send(address().value(), pool.requestFeeUpdate().encodeFunctionCall());
  }

  /**
   * Moves the price along {@code path} (its shape, scaled to start at the current price): one swap
   * per step after the first, each recording one price (the chain's clock moves on by the pool's
   * observation interval before each).
   */
  public void follow(double[] path) throws Exception {
    BigDecimal start = new BigDecimal(price());
    long interval = pool.OBSERVATION_INTERVAL().send().longValueExact();
    for (int t = 1; t < path.length; t++) {
      SharedDevnet.increaseTime(interval);
      BigDecimal target = start.multiply(BigDecimal.valueOf(path[t] / path[0]));
      moveTo(target.toBigInteger());
    }
  }

  /** The pool's current price, reserve1 · 1e18 / reserve0. */
  public BigInteger price() throws Exception {
    return pool.reserve1().send().multiply(WAD).divide(pool.reserve0().send());
  }

  /** One swap, the smallest that takes the price to {@code target} (wad) or past it. */
  public TxResult moveTo(BigInteger target) throws Exception {
    BigInteger r0 = pool.reserve0().send();
    BigInteger r1 = pool.reserve1().send();
    BigInteger fee = BigInteger.valueOf(feeBps());
    boolean up = target.compareTo(r1.multiply(WAD).divide(r0)) > 0; // token1 in raises it
    BigInteger lo = BigInteger.ZERO;
    BigInteger hi = up ? r1 : r0;
    while (!reaches(up, r0, r1, fee, hi, target)) {
      hi = hi.shiftLeft(1);
    }
    while (hi.subtract(lo).compareTo(BigInteger.ONE) > 0) {
      BigInteger mid = lo.add(hi).shiftRight(1);
      if (reaches(up, r0, r1, fee, mid, target)) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return swap(up ? token1 : token0, hi);
  }

  /** Whether swapping {@code in} takes the price to {@code target}: the contract's arithmetic. */
  private static boolean reaches(
      boolean up, BigInteger r0, BigInteger r1, BigInteger fee, BigInteger in, BigInteger target) {
    BigInteger rIn = up ? r1 : r0;
    BigInteger rOut = up ? r0 : r1;
    BigInteger afterFee = in.multiply(BPS.subtract(fee)).divide(BPS);
    BigInteger out = rOut.multiply(afterFee).divide(rIn.add(afterFee));
    BigInteger n0 = up ? r0.subtract(out) : r0.add(in);
    BigInteger n1 = up ? r1.add(in) : r1.subtract(out);
    int c = n1.multiply(WAD).divide(n0).compareTo(target);
    return up ? c >= 0 : c <= 0;
  }

  public static BigInteger wad(double value) {
    return new BigDecimal(value).multiply(new BigDecimal(WAD)).toBigInteger();
  }

  /**
   * Gas the callback used inside a {@code fulfil} transaction: everything spent below the
   * coordinator's frame (the callback is the only call a fulfil makes).
   */
  public static long callbackGasUsed(TxResult fulfil) {
    return GasProfile.of(fulfil.hash()).below(1);
  }
}
