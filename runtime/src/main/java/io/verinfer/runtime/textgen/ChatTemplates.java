package io.verinfer.runtime.textgen;

import java.util.List;

/** Chat templates by name: how a list of messages becomes the prompt text. */
final class ChatTemplates {
  private ChatTemplates() {}

  /**
   * {@code chatml}: {@code <|im_start|>{role}\n{content}<|im_end|>\n} per message, then {@code
   * <|im_start|>assistant\n} for the reply.
   */
  static String render(String template, List<ChatMessage> messages) {
    if (!GenerationSettings.CHATML.equals(template)) {
      throw new IllegalArgumentException("unknown chat template '" + template + "'");
    }
    StringBuilder b = new StringBuilder();
    for (ChatMessage m : messages) {
      b.append("<|im_start|>").append(m.role()).append('\n');
      b.append(m.content()).append("<|im_end|>\n");
    }
    return b.append("<|im_start|>assistant\n").toString();
  }
}
