/**
 * Text generation: the {@link io.verinfer.runtime.textgen.TextGenerator} interface (token-by-token
 * decoding with a KV cache over ONNX decoders in the Hugging Face Optimum layout), its request and
 * result values, and the decoder architecture of the project's own text model ({@link
 * io.verinfer.runtime.textgen.DecoderConfig}, {@link io.verinfer.runtime.textgen.DecoderWeights}).
 */
package io.verinfer.runtime.textgen;
