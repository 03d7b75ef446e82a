/**
 * Text generation: the {@link io.verinfer.runtime.textgen.TextGenerator} interface (token-by-token
 * decoding with a KV cache over ONNX decoders in the Hugging Face Optimum layout), its request and
 * result values, and the decoder architecture of the project's own text model ({@link
 * io.verinfer.runtime.textgen.DecoderConfig}, {@link io.verinfer.runtime.textgen.DecoderWeights}).
 *
 * <p>{@link io.verinfer.runtime.textgen.OnnxTextGenerator} is the implementation over ONNX Runtime;
 * {@link io.verinfer.runtime.textgen.DecoderExporter} writes {@code DecoderWeights} as such a
 * decoder, and {@link io.verinfer.runtime.textgen.TextPacks} lays out a text-generation pack
 * ({@code manifest.json}, {@code generation.json}, {@code model.onnx}, {@code tokenizer.json}).
 */
package io.verinfer.runtime.textgen;
