/**
 * Text in, vectors out: {@link io.verinfer.runtime.text.TextTokenizer} (HuggingFace {@code
 * tokenizer.json} through DJL, offline) and {@link io.verinfer.runtime.text.EmbeddingService}
 * (tokenize, run an encoder on the {@link io.verinfer.runtime.InferenceEngine}, mean-pool,
 * normalize), which backs the OpenAI-compatible {@code /v1/embeddings} endpoint.
 */
package io.verinfer.runtime.text;
