package io.verinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code verinfer adapter}'s input checks: each bad value named, nothing started. */
class AdapterCommandTest {
  private static final String TENSOR =
      "{\"name\":\"%s\",\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[0.5,1.5]}";

  @TempDir Path dir;

  @Test
  void aCanaryFileHoldsARequestAndItsAnswer() throws Exception {
    Path file = dir.resolve("canary.json");
    Files.writeString(
        file,
        "{\"inputs\":["
            + TENSOR.formatted("features")
            + "],\"outputs\":["
            + TENSOR.formatted("score")
            + "]}");
    var canary = AdapterCommand.readCanary(file);
    assertThat(canary.get(0))
        .singleElement()
        .satisfies(t -> assertThat(t.name()).isEqualTo("features"));
    assertThat(canary.get(1))
        .singleElement()
        .satisfies(t -> assertThat(t.name()).isEqualTo("score"));
  }

  @Test
  void aCanaryWithoutItsAnswerIsRefusedNamingTheField() throws Exception {
    Path file = dir.resolve("no-answer.json");
    Files.writeString(file, "{\"inputs\":[" + TENSOR.formatted("features") + "]}");
    assertThatThrownBy(() -> AdapterCommand.readCanary(file))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("--canary")
        .hasMessageContaining("'outputs'");
    assertThatThrownBy(() -> AdapterCommand.readCanary(dir.resolve("missing.json")))
        .isInstanceOf(UserError.class)
        .hasMessageStartingWith("--canary: cannot read");
    Path garbage = dir.resolve("garbage.json");
    Files.writeString(garbage, "{not json");
    assertThatThrownBy(() -> AdapterCommand.readCanary(garbage))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("--canary");
  }

  @Test
  void badOptionsAreRefusedBeforeAnythingStarts() {
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setErr(new PrintWriter(err));
    int code = cl.execute("adapter", "--watch", "0", "--canary", dir.resolve("x.json").toString());
    assertThat(code).isNotZero();
    assertThat(err.toString()).contains("--watch");
    StringWriter err2 = new StringWriter();
    CommandLine cl2 = Main.commandLine();
    cl2.setErr(new PrintWriter(err2));
    assertThat(cl2.execute("adapter", "--watch", "1")).isNotZero();
    assertThat(err2.toString()).contains("--canary");
  }
}
