package io.verinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.devnet.DevnetSupervisor;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.ModelId;
import io.verinfer.runtime.ModelManifest;
import io.verinfer.runtime.packs.train.BuildPacks;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code verinfer model publish|list|show|fetch} against a real devnet. */
class ModelCommandIT {
  @TempDir static Path dir;
  private static DevnetSupervisor devnet;
  private static Path deployment;

  @BeforeAll
  static void start() {
    deployment = dir.resolve("devnet.json");
    devnet =
        DevnetSupervisor.start(
            DevnetSupervisor.Options.defaults().withDeploymentFile(deployment), s -> {});
  }

  @AfterAll
  static void stop() {
    devnet.close();
  }

  record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    CommandLine cli = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    java.io.PrintStream realOut = System.out;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      int exit = cli.execute(args);
      return new Run(
          exit, captured.toString(java.nio.charset.StandardCharsets.UTF_8) + out, err.toString());
    } finally {
      System.setOut(realOut);
    }
  }

  @Test
  void publishStoresByCidRegistersAndReadsBack() throws Exception {
    Path pack = BuildPacks.build("fraud-detect", dir.resolve("packs"));
    ModelManifest manifest = ModelManifest.read(pack);
    Cid cid = Cid.of(Files.readAllBytes(manifest.modelFile(pack)));
    Path store = dir.resolve("store");

    Run published =
        run(
            "model",
            "publish",
            pack.toString(),
            "--royalty",
            "1234",
            "--tolerance",
            "777",
            "--deployment",
            deployment.toString(),
            "--dev-account",
            "14",
            "--store",
            store.toString());
    assertThat(published.exit()).as(published.err()).isZero();
    assertThat(published.out()).contains("model id   1").contains(cid.toString());
    assertThat(Files.isRegularFile(store.resolve(cid.toString()))).isTrue();

    try (VerinferChain chain = VerinferChain.connect(devnet.deployment(), DevAccounts.account(0))) {
      var model = chain.models().model(ModelId.of(1));
      assertThat(Cid.fromBytes(model.cidBytes())).isEqualTo(cid);
      assertThat(model.royaltyBps()).isEqualTo(1234);
      assertThat(model.tolerancePpm()).isEqualTo(777);
      assertThat(model.schemaHash()).isEqualTo(manifest.schemaHash());
      assertThat(model.owner().value()).isEqualToIgnoringCase(DevAccounts.account(14).getAddress());
    }

    Run listed = run("model", "list", "--deployment", deployment.toString());
    assertThat(listed.out()).contains(cid.toString()).contains("active");
    Run shown = run("model", "show", "1", "--deployment", deployment.toString());
    assertThat(shown.out()).contains(cid.toString()).contains("777 ppm");

    Run again =
        run(
            "model",
            "publish",
            pack.toString(),
            "--deployment",
            deployment.toString(),
            "--dev-account",
            "14",
            "--store",
            store.toString());
    assertThat(again.exit()).isEqualTo(2);
    assertThat(again.err()).contains("CidAlreadyPublished");

    Run unknown = run("model", "show", "99", "--deployment", deployment.toString());
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err()).contains("UnknownModel");
  }

  @Test
  void devAccountsAreRefusedOffTheDevnetAndMissingFilesAreExplained() {
    Run missing =
        run(
            "model",
            "publish",
            dir.toString(),
            "--deployment",
            dir.resolve("nope.json").toString(),
            "--dev-account",
            "3");
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("no deployment file");
  }
}
