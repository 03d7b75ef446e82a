package io.verinfer.runtime.textgen;

/**
 * How an {@link OnnxTextGenerator} uses the machine.
 *
 * @param intraOpThreads threads ONNX Runtime may use inside one operator (per session). With 1 (the
 *     default) a step's floats, and so the tokens, do not depend on how loaded the machine is; a
 *     different count, build or CPU may round differently and pick different tokens
 * @param maxConcurrentSteps decoding steps (session runs) allowed at once across all models and
 *     streams, handed out by a fair semaphore one step at a time
 * @param useGpu ask for the CUDA execution provider (reported, and CPU used, when absent)
 */
public record TextGeneratorConfig(int intraOpThreads, int maxConcurrentSteps, boolean useGpu) {
  public TextGeneratorConfig {
    if (intraOpThreads < 1) {
      throw new IllegalArgumentException("intraOpThreads must be >= 1, got " + intraOpThreads);
    }
    if (maxConcurrentSteps < 1) {
      throw new IllegalArgumentException(
          "maxConcurrentSteps must be >= 1, got " + maxConcurrentSteps);
    }
  }

  /** One intra-op thread per session, one concurrent step per core, CPU. */
  public static TextGeneratorConfig defaults() {
    return new TextGeneratorConfig(1, Runtime.getRuntime().availableProcessors(), false);
  }

  public TextGeneratorConfig withMaxConcurrentSteps(int steps) {
    return new TextGeneratorConfig(intraOpThreads, steps, useGpu);
  }
}
