package io.verinfer.client;

import java.util.Objects;
import java.util.Set;

/**
 * One message of a chat, as OpenAI's {@code messages[]} holds it.
 *
 * @param role {@code system}, {@code user} or {@code assistant}
 * @param content the message's text
 */
public record ChatMessage(String role, String content) {
  /** The roles a chat template knows. */
  public static final Set<String> ROLES = Set.of("system", "user", "assistant");

  /** Validates the fields. */
  public ChatMessage {
    Objects.requireNonNull(role, "role must not be null");
    Objects.requireNonNull(content, "content must not be null");
    if (!ROLES.contains(role)) {
      throw new IllegalArgumentException(
          "role must be one of system, user or assistant, got '" + role + "'");
    }
  }

  public static ChatMessage system(String content) {
    return new ChatMessage("system", content);
  }

  public static ChatMessage user(String content) {
    return new ChatMessage("user", content);
  }

  public static ChatMessage assistant(String content) {
    return new ChatMessage("assistant", content);
  }
}
