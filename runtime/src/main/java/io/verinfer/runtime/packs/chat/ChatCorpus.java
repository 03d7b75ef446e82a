package io.verinfer.runtime.packs.chat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The question/answer corpus of the chat pack and its ChatML rendering.
 *
 * <p>A corpus file holds groups: one or more {@code Q: } lines, then one {@code A: } line; a blank
 * line ends a group and {@code #} lines are notes. Every question of a group gets the group's
 * answer. Each pair is rendered several times, with and without the system message (see {@link
 * #examples}), since people ask the same thing in many ways.
 */
public final class ChatCorpus {
  public static final String IM_START = "<|im_start|>";
  public static final String IM_END = "<|im_end|>";
  public static final String END_OF_TEXT = "<|endoftext|>";
  public static final List<String> SPECIALS = List.of(END_OF_TEXT, IM_START, IM_END);
  public static final String SYSTEM = "You are Verinfer's assistant.";

  /** One question and its answer. */
  public record Pair(String question, String answer) {
    public Pair {
      if (question == null || question.isBlank()) {
        throw new IllegalArgumentException("question is empty");
      }
      if (answer == null || answer.isBlank()) {
        throw new IllegalArgumentException("answer is empty");
      }
    }
  }

  /** One rendered training chat: the prompt up to the assistant's turn, then the answer turn. */
  public record Example(String prompt, String completion) {
    public String text() {
      return prompt + completion;
    }
  }

  private final List<Pair> pairs;

  private ChatCorpus(List<Pair> pairs) {
    this.pairs = List.copyOf(pairs);
  }

  /** Reads every {@code *.txt} file of {@code dir}, in file-name order. */
  public static ChatCorpus read(Path dir) {
    List<Pair> pairs = new ArrayList<>();
    for (Path file : files(dir)) {
      try {
        parse(file.getFileName().toString(), Files.readString(file, StandardCharsets.UTF_8), pairs);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read corpus file " + file, e);
      }
    }
    return new ChatCorpus(pairs);
  }

  /** The corpus files of {@code dir}, sorted by name. */
  public static List<Path> files(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".txt")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list corpus directory " + dir, e);
    }
  }

  static void parse(String name, String text, List<Pair> out) {
    List<String> questions = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.startsWith("#")) {
        continue;
      }
      if (line.isEmpty()) {
        if (!questions.isEmpty()) {
          throw new IllegalArgumentException(
              name + ":" + (i + 1) + ": questions without an answer");
        }
      } else if (line.startsWith("Q: ")) {
        questions.add(line.substring(3).strip());
      } else if (line.startsWith("A: ")) {
        if (questions.isEmpty()) {
          throw new IllegalArgumentException(
              name + ":" + (i + 1) + ": an answer without questions");
        }
        String answer = line.substring(3).strip();
        for (String q : questions) {
          out.add(new Pair(q, answer));
        }
        questions.clear();
      } else {
        throw new IllegalArgumentException(
            name + ":" + (i + 1) + ": a line must start with 'Q: ', 'A: ' or '#'");
      }
    }
    if (!questions.isEmpty()) {
      throw new IllegalArgumentException(name + ": the last questions have no answer");
    }
  }

  public List<Pair> pairs() {
    return pairs;
  }

  /**
   * Filler openings for the third rendering of each pair, chosen in turn, so the model learns to
   * look past the words around a question's subject.
   */
  static final List<String> OPENINGS =
      List.of(
          "Can you tell me ",
          "Could you tell me ",
          "Please tell me: ",
          "Quick question: ",
          "I'd like to know: ",
          "Explain: ");

  /**
   * Every training example, in corpus order. Each pair {@code i} is rendered four times: as written
   * with the system message; casual (lower case, no final question mark) without it; after one of
   * the {@link #OPENINGS} with it; and, for questions of four or more words, casual with word
   * {@code (7i + 3) mod words} left out, without it.
   */
  public List<Example> examples() {
    List<Example> out = new ArrayList<>();
    for (int i = 0; i < pairs.size(); i++) {
      Pair p = pairs.get(i);
      String answer = completion(p.answer());
      String q = p.question();
      out.add(new Example(prompt(q, true), answer));
      out.add(new Example(prompt(casual(q), false), answer));
      String lowered = Character.toLowerCase(q.charAt(0)) + q.substring(1);
      out.add(new Example(prompt(OPENINGS.get(i % OPENINGS.size()) + lowered, true), answer));
      String[] words = casual(q).split(" ");
      if (words.length >= 4) {
        int drop = (7 * i + 3) % words.length;
        List<String> kept = new ArrayList<>();
        for (int j = 0; j < words.length; j++) {
          if (j != drop) {
            kept.add(words[j]);
          }
        }
        out.add(new Example(prompt(String.join(" ", kept), false), answer));
      }
    }
    return out;
  }

  /** The ChatML prompt for one user turn, ending where the assistant starts to speak. */
  public static String prompt(String question, boolean withSystem) {
    String system = withSystem ? IM_START + "system\n" + SYSTEM + IM_END + "\n" : "";
    return system + IM_START + "user\n" + question + IM_END + "\n" + IM_START + "assistant\n";
  }

  static String completion(String answer) {
    return answer + IM_END + "\n";
  }

  static String casual(String question) {
    String q = question.toLowerCase(Locale.ROOT);
    return q.endsWith("?") ? q.substring(0, q.length() - 1) : q;
  }
}
