package io.verinfer.runtime.textgen;

/**
 * Receives a generation's chunks as they are decoded, on the generating thread. It may block (a
 * paid stream waits here for the consumer's credit) and the generation waits with it, without
 * holding back other generations. Returning {@code false} cancels the generation: no more tokens
 * are sampled and it finishes with {@link FinishReason#CANCELLED}.
 */
@FunctionalInterface
public interface GenerationSink {
  boolean accept(GeneratedChunk chunk);

  GenerationSink DISCARD = chunk -> true;
}
