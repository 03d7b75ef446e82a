package io.verinfer.node.metrics;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format 0.0.4, written from the format's
 * description (not with the library that writes it): every line is a {@code # HELP}, a {@code #
 * TYPE} or a sample {@code name{label="value",…} value}; every sample's family was typed before it;
 * no series appears twice.
 */
public final class PrometheusText {
  private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  private static final String LABEL_NAME = "[a-zA-Z_][a-zA-Z0-9_]*";
  // a label value: anything but a quote, backslash or newline, or one of \\ \" \n escaped
  private static final String VALUE = "(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*";
  private static final String LABEL = LABEL_NAME + "=\"" + VALUE + "\"";
  private static final Pattern SAMPLE =
      Pattern.compile(
          "("
              + NAME
              + ")(?:\\{((?:"
              + LABEL
              + ")(?:,"
              + LABEL
              + ")*,?)?\\})? ([^ ]+)(?: -?[0-9]+)?");
  private static final Pattern ONE_LABEL =
      Pattern.compile("(" + LABEL_NAME + ")=\"(" + VALUE + ")\"");
  private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") .*");
  private static final Pattern TYPE =
      Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
  private static final Pattern FLOAT =
      Pattern.compile("[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]Inf|NaN");

  private PrometheusText() {}

  /**
   * The samples of a scrape by series ({@link #series} form, labels sorted by name).
   *
   * @throws AssertionError naming the first line that is not Prometheus text
   */
  public static Map<String, Double> parse(String text) {
    Map<String, Double> samples = new LinkedHashMap<>();
    Set<String> typed = new HashSet<>();
    int number = 0;
    for (String line : text.split("\n", -1)) {
      number++;
      if (line.isEmpty()) {
        continue;
      }
      Matcher type = TYPE.matcher(line);
      if (type.matches()) {
        typed.add(type.group(1));
        continue;
      }
      if (HELP.matcher(line).matches()) {
        continue;
      }
      Matcher sample = SAMPLE.matcher(line);
      if (!sample.matches() || !FLOAT.matcher(sample.group(3)).matches()) {
        throw new AssertionError("line " + number + " is not Prometheus text: " + line);
      }
      String name = sample.group(1);
      if (!typed.contains(name) && !typed.contains(family(name))) {
        throw new AssertionError("line " + number + ": " + name + " has no # TYPE before it");
      }
      Map<String, String> labels = new TreeMap<>();
      if (sample.group(2) != null) {
        Matcher label = ONE_LABEL.matcher(sample.group(2));
        while (label.find()) {
          if (labels.put(label.group(1), label.group(2)) != null) {
            throw new AssertionError("line " + number + " repeats label " + label.group(1));
          }
        }
      }
      String key = key(name, labels);
      if (samples.put(key, Double.parseDouble(sample.group(3).replace("Inf", "Infinity")))
          != null) {
        throw new AssertionError("line " + number + " repeats series " + key);
      }
    }
    return samples;
  }

  /** A series key: {@code series("x_total", "code", "A")} is {@code x_total{code="A"}}. */
  public static String series(String name, String... labelPairs) {
    if (labelPairs.length % 2 != 0) {
      throw new IllegalArgumentException("labels come in name, value pairs");
    }
    Map<String, String> labels = new TreeMap<>();
    for (int i = 0; i < labelPairs.length; i += 2) {
      labels.put(labelPairs[i], labelPairs[i + 1]);
    }
    return key(name, labels);
  }

  /** How much a series moved between two scrapes (an absent series counts as 0). */
  public static double delta(Map<String, Double> before, Map<String, Double> after, String key) {
    return after.getOrDefault(key, 0.0) - before.getOrDefault(key, 0.0);
  }

  private static String key(String name, Map<String, String> labels) {
    if (labels.isEmpty()) {
      return name;
    }
    StringBuilder b = new StringBuilder(name).append('{');
    labels.forEach((k, v) -> b.append(k).append("=\"").append(v).append("\","));
    b.setLength(b.length() - 1);
    return b.append('}').toString();
  }

  private static String family(String sampleName) {
    for (String suffix : new String[] {"_total", "_bucket", "_count", "_sum", "_created"}) {
      if (sampleName.endsWith(suffix)) {
        return sampleName.substring(0, sampleName.length() - suffix.length());
      }
    }
    return sampleName;
  }
}
