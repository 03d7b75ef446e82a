/**
 * The model runtime: {@link io.verinfer.runtime.InferenceEngine} over ONNX Runtime (session cache,
 * thread budget, micro-batching, schema validation), the content-addressed {@code ModelStore}, the
 * tokenizers and the demo model packs.
 */
package io.verinfer.runtime;
