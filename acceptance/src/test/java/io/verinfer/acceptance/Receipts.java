package io.verinfer.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.client.InferenceResult;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Receipt;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import java.util.List;

/** Independent checks of what the SDK returned, as a consumer's auditor would make them. */
final class Receipts {
  private Receipts() {}

  /** The receipt is the provider's, for this consumer, model, request and outputs. */
  static void assertVerified(
      InferenceResult result,
      Eip712Domain domain,
      Address consumer,
      ModelId model,
      List<Tensor> inputs) {
    Receipt r = result.receipt().receipt();
    assertThat(result.receipt().verify(domain)).as("receipt signature").isTrue();
    assertThat(r.provider()).isEqualTo(result.provider());
    assertThat(r.consumer()).isEqualTo(consumer);
    assertThat(r.modelId()).isEqualTo(model);
    assertThat(r.inputHash()).isEqualTo(CanonicalTensors.hash(inputs));
    assertThat(r.outputHash()).isEqualTo(CanonicalTensors.hash(result.outputs()));
    float p = result.output("fraud_probability").toFloats()[0];
    assertThat(p).isBetween(0f, 1f);
  }

  /**
   * The provider's receipts count its lane 1, 2, 3, … with one price per call: no gap, no repeat.
   */
  static void assertConsecutive(List<InferenceResult> results, TokenAmount price, long firstCall) {
    for (int i = 0; i < results.size(); i++) {
      Receipt r = results.get(i).receipt().receipt();
      assertThat(r.cumulativeCalls()).as("call %d", i).isEqualTo(firstCall + i);
      assertThat(r.cumulativeAmount()).isEqualTo(price.times(firstCall + i));
    }
  }

  /** Each result a different call number on its lane, paid at {@code price} per call up to it. */
  static void assertDistinctAndPriced(List<InferenceResult> results, TokenAmount price) {
    assertThat(results)
        .extracting(r -> r.receipt().receipt().cumulativeCalls())
        .doesNotHaveDuplicates();
    for (InferenceResult result : results) {
      Receipt r = result.receipt().receipt();
      assertThat(r.cumulativeAmount()).isEqualTo(price.times(r.cumulativeCalls()));
    }
  }
}
