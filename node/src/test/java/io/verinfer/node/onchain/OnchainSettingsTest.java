package io.verinfer.node.onchain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The request watcher's settings and gas policy: defaults, the formulas, bad values named. */
class OnchainSettingsTest {
  private static final BigInteger GWEI = GasPolicy.GWEI;

  @Test
  void theDefaultsKeepTheStateBesideTheLedger() {
    OnchainSettings s = OnchainSettings.besideLedger(Path.of("provider", "ledger.db"));
    assertThat(s.enabled()).isTrue();
    assertThat(s.stateFile()).isEqualTo(Path.of("provider", "ledger-onchain.db"));
    assertThat(s.confirmations()).isEqualTo(OnchainSettings.DEFAULT_CONFIRMATIONS);
    assertThat(s.gas()).isEqualTo(GasPolicy.defaults());
    assertThat(OnchainSettings.off().enabled()).isFalse();
  }

  @Test
  void theGasLimitCoversTheCallbackAsTheContractRequires() {
    GasPolicy gas = new GasPolicy(100_000, 10_000, GWEI, GWEI);
    // the contract wants gasleft() >= limit × 64/63 + 20,000 just before the callback
    assertThat(gas.minGasLimit(63_000)).isEqualTo(BigInteger.valueOf(64_000 + 110_000));
    assertThat(gas.minGasLimit(1)).isEqualTo(BigInteger.valueOf(2 + 110_000)); // rounded up
    assertThat(gas.minGasLimit(0)).isEqualTo(BigInteger.valueOf(110_000));
    assertThat(gas.minGasLimit(2_500_000)).isEqualTo(BigInteger.valueOf(2_539_683 + 110_000));
  }

  @Test
  void feesAreCappedAndAboveTheCapTheNodeWaits() {
    GasPolicy gas = GasPolicy.defaults().withMaxGasPrice(GWEI.multiply(BigInteger.TEN));
    var cheap = gas.options(50_000, GWEI).orElseThrow();
    assertThat(cheap.maxFeePerGas()).isEqualTo(GWEI.multiply(BigInteger.valueOf(3)));
    assertThat(cheap.maxPriorityFeePerGas()).isEqualTo(GWEI);
    var capped = gas.options(50_000, GWEI.multiply(BigInteger.valueOf(6))).orElseThrow();
    assertThat(capped.maxFeePerGas()).isEqualTo(GWEI.multiply(BigInteger.TEN));
    assertThat(gas.options(50_000, GWEI.multiply(BigInteger.valueOf(9)))).isPresent(); // 9 + 1
    assertThat(gas.options(50_000, GWEI.multiply(BigInteger.valueOf(9)).add(BigInteger.ONE)))
        .isEmpty();
    // a cap below the tip lowers the tip with it
    assertThat(GasPolicy.defaults().withMaxGasPrice(BigInteger.TEN).priorityFee())
        .isEqualTo(BigInteger.TEN);
  }

  @Test
  void badValuesAreRefusedNamingTheField() {
    assertThatThrownBy(() -> new GasPolicy(-1, 0, GWEI, GWEI)).hasMessageContaining("baseOverhead");
    assertThatThrownBy(() -> new GasPolicy(0, -1, GWEI, GWEI)).hasMessageContaining("margin");
    assertThatThrownBy(() -> new GasPolicy(0, 0, BigInteger.ZERO, BigInteger.ZERO))
        .hasMessageContaining("maxGasPrice");
    assertThatThrownBy(() -> new GasPolicy(0, 0, GWEI, GWEI.add(BigInteger.ONE)))
        .hasMessageContaining("priorityFee");
    OnchainSettings s = OnchainSettings.besideLedger(Path.of("ledger.db"));
    assertThatThrownBy(() -> s.withPollInterval(Duration.ZERO))
        .hasMessageContaining("pollInterval");
    assertThatThrownBy(() -> s.withConfirmations(-1)).hasMessageContaining("confirmations");
    assertThatThrownBy(() -> s.withDeadlineMargin(Duration.ofSeconds(-1)))
        .hasMessageContaining("deadlineMargin");
    assertThatThrownBy(() -> s.withStateFile(null)).hasMessageContaining("stateFile");
  }
}
