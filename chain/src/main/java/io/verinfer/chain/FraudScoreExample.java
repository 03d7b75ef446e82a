package io.verinfer.chain;

import io.verinfer.chain.bindings.FraudScoreConsumer;
import io.verinfer.chain.tx.ChainException;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * The Solidity SDK's example contract, {@code FraudScoreConsumer}, as tests, benchmarks and demos
 * use it: deployed and funded in one call, and its features written in the 6-decimal fixed point it
 * takes.
 */
public final class FraudScoreExample {
  private FraudScoreExample() {}

  /**
   * Deploys a consumer asking {@code model} at most {@code maxFee} a request, from {@code owner},
   * and funds its coordinator deposit with {@code deposit} of the owner's tokens (approving exactly
   * that much first).
   */
  public static FraudScoreConsumer deploy(
      VerinferChain owner, ModelId model, TokenAmount maxFee, TokenAmount deposit) {
    FraudScoreConsumer consumer;
    try {
      consumer =
          FraudScoreConsumer.deploy(
                  owner.web3j(),
                  owner.sender(),
                  new DefaultGasProvider(),
                  owner.coordinator().address().value(),
                  BigInteger.valueOf(model.value()),
                  maxFee.baseUnits())
              .send();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new ChainException("deploying FraudScoreConsumer failed: " + e.getMessage(), e);
    }
    owner.token().approve(owner.coordinator().address(), deposit);
    owner.coordinator().depositFor(Address.of(consumer.getContractAddress()), deposit);
    return consumer;
  }

  /** {@code features} as the contract takes them: 6-decimal fixed point, rounded. */
  public static List<BigInteger> micros(float[] features) {
    List<BigInteger> out = new ArrayList<>(features.length);
    for (float f : features) {
      out.add(BigInteger.valueOf(Math.round(f * 1e6)));
    }
    return out;
  }
}
