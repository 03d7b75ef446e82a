/**
 * The {@code minilm-embed} model pack: all-MiniLM-L6-v2 sentence embeddings, an int8 quantized ONNX
 * graph and its {@code tokenizer.json}, both taken unchanged from a Maven Central jar so the pack
 * needs no download and its CID never changes. Entry point: {@link
 * io.verinfer.runtime.packs.minilm.MiniLmPack#write}.
 */
package io.verinfer.runtime.packs.minilm;
