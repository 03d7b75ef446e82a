package io.verinfer.runtime.textgen;

/** Why a generation ended, named as the OpenAI API names it in {@code finish_reason}. */
public enum FinishReason {
  /** The model produced its end-of-sequence token or the text reached a stop sequence. */
  STOP("stop"),
  /** {@code max_tokens} were generated, or the context is full. */
  LENGTH("length"),
  /** The sink asked to stop (the client went away, or payment stopped). */
  CANCELLED("cancelled");

  private final String apiName;

  FinishReason(String apiName) {
    this.apiName = apiName;
  }

  public String apiName() {
    return apiName;
  }
}
