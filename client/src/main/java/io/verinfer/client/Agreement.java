package io.verinfer.client;

import io.verinfer.protocol.OutputComparator;
import io.verinfer.protocol.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;

/** Groups answers to one call by agreement within a model's tolerance. */
final class Agreement {
  private Agreement() {}

  /**
   * Indices of {@code answers} in groups: each answer joins the first group whose first member it
   * agrees with ({@link OutputComparator}), largest group first (ties: the earlier group).
   */
  static List<List<Integer>> groups(List<List<Tensor>> answers, long tolerancePpm) {
    return groups(answers, (a, b) -> OutputComparator.agree(a, b, tolerancePpm));
  }

  /** The same for any kind of answer, {@code agree} saying whether two answers agree. */
  static <T> List<List<Integer>> groups(List<T> answers, BiPredicate<T, T> agree) {
    List<List<Integer>> groups = new ArrayList<>();
    for (int i = 0; i < answers.size(); i++) {
      List<Integer> home = null;
      for (List<Integer> g : groups) {
        if (agree.test(answers.get(g.get(0)), answers.get(i))) {
          home = g;
          break;
        }
      }
      if (home == null) {
        home = new ArrayList<>();
        groups.add(home);
      }
      home.add(i);
    }
    List<List<Integer>> sorted = new ArrayList<>(groups);
    sorted.sort((a, b) -> Integer.compare(b.size(), a.size())); // stable: ties keep their order
    return sorted;
  }

  /** Whether the largest group holds more than half of {@code total} answers. */
  static boolean hasMajority(List<List<Integer>> groups, int total) {
    return !groups.isEmpty() && groups.get(0).size() * 2 > total;
  }
}
