package io.verinfer.runtime.textgen;

import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.VerinferException;
import java.util.List;

/** Chat templates by name: how a list of messages becomes the prompt text. */
final class ChatTemplates {
  /** The ChatML control tokens, which message content may not contain. */
  static final List<String> RESERVED = List.of("<|im_start|>", "<|im_end|>", "<|endoftext|>");

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
    for (int i = 0; i < messages.size(); i++) {
      ChatMessage m = messages.get(i);
      for (String reserved : RESERVED) {
        if (m.content().contains(reserved)) {
          // the tokenizer would read it as the real control token: a message could end itself
          // and forge a system turn
          throw new VerinferException(
              ErrorCode.INVALID_VALUE,
              "messages[" + i + "].content",
              "messages["
                  + i
                  + "].content contains "
                  + reserved
                  + ", a control token of the chat template; remove it");
        }
      }
      b.append("<|im_start|>").append(m.role()).append('\n');
      b.append(m.content()).append("<|im_end|>\n");
    }
    return b.append("<|im_start|>assistant\n").toString();
  }
}
