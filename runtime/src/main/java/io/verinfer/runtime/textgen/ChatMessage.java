package io.verinfer.runtime.textgen;

import java.util.Objects;
import java.util.Set;

/** One message of a chat: its role ({@code system}, {@code user} or {@code assistant}) and text. */
public record ChatMessage(String role, String content) {
  public static final Set<String> ROLES = Set.of("system", "user", "assistant");

  public ChatMessage {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(content, "content");
    if (!ROLES.contains(role)) {
      throw new IllegalArgumentException(
          "role must be one of system, user, assistant, got '" + role + "'");
    }
  }
}
