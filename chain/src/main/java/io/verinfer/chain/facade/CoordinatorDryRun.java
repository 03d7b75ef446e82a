package io.verinfer.chain.facade;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.bindings.InferenceCoordinator;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.tx.gas.DefaultGasProvider;
import org.web3j.utils.Numeric;

/**
 * Runs {@code requestInference} as an {@code eth_call} from the sender's account, so a caller can
 * learn that a request would revert (unknown model, no provider at the fee, …) before it moves any
 * tokens into a deposit for it.
 */
public final class CoordinatorDryRun {
  private final TransactionSender sender;
  private final InferenceCoordinator binding;

  public CoordinatorDryRun(TransactionSender sender, Address coordinator) {
    this.sender = sender;
    this.binding =
        InferenceCoordinator.load(
            coordinator.value(), sender.web3j(), sender, new DefaultGasProvider());
  }

  /**
   * The id the request would get if sent now.
   *
   * @throws ContractRevertException with the custom error the real request would revert with
   */
  public long request(
      ModelId model, byte[] input, int mode, TokenAmount maxFee, long callbackGasLimit) {
    String data =
        binding
            .requestInference(
                BigInteger.valueOf(model.value()),
                input,
                BigInteger.valueOf(mode),
                maxFee.baseUnits(),
                BigInteger.valueOf(callbackGasLimit))
            .encodeFunctionCall();
    String result =
        sender.sendCall(binding.getContractAddress(), data, DefaultBlockParameterName.LATEST);
    return Numeric.toBigInt(result).longValueExact();
  }
}
