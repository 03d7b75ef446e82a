package io.verinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.node.NodeServer;
import io.verinfer.node.ProviderNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code verinfer node}'s transport flags and the consumers' plain-HTTP switch. */
class NodeCommandTransportTest {
  @TempDir Path dir;

  private NodeCommand node(String... args) {
    NodeCommand command = new NodeCommand();
    new CommandLine(command).parseArgs(args);
    return command;
  }

  @Test
  void httpsWithAKeyFileAndMetricsOnLoopbackByDefault() {
    NodeServer.Options options = node("--store", dir.resolve("store").toString()).httpOptions(null);
    assertThat(options.transport().https()).isTrue();
    assertThat(options.transport().identityFile())
        .isEqualTo(dir.toAbsolutePath().resolve(ProviderNode.TLS_FILE));
    assertThat(options.adminHost()).isEqualTo("127.0.0.1");
    assertThat(options.adminPort()).isEqualTo(9464);
  }

  @Test
  void theFlagsChooseTheKeyPlainHttpAndTheAdminAddress() {
    Path key = dir.resolve("my.p12");
    NodeServer.Options tls =
        node("--tls-key", key.toString(), "--admin-bind", "[::1]:9100").httpOptions(null);
    assertThat(tls.transport().identityFile()).isEqualTo(key);
    assertThat(tls.adminHost()).isEqualTo("::1");
    assertThat(tls.adminPort()).isEqualTo(9100);

    NodeServer.Options plain = node("--plain-http", "--admin-bind", "off").httpOptions(null);
    assertThat(plain.transport().https()).isFalse();
    assertThat(plain.adminPort()).isEqualTo(-1);
  }

  @Test
  void badTransportFlagsAreRefusedNamingTheFlag() {
    assertThatThrownBy(() -> node("--plain-http", "--tls-key", "k.p12").httpOptions(null))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("--plain-http and --tls-key");
    assertThatThrownBy(() -> node("--admin-bind", "9464").httpOptions(null))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("--admin-bind expects HOST:PORT");
    assertThatThrownBy(() -> node("--admin-bind", "127.0.0.1:70000").httpOptions(null))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("0..65535");
  }

  @Test
  void theConfigFileCarriesTheTransportKeys() throws Exception {
    Path file = dir.resolve("provider.json");
    java.nio.file.Files.writeString(
        file, "{\"tlsKey\": \"k/tls.p12\", \"plainHttp\": false, \"adminBind\": \"0.0.0.0:9000\"}");
    NodeConfigFile config = NodeConfigFile.read(file);
    assertThat(config.tlsKey()).isEqualTo("k/tls.p12");
    assertThat(config.plainHttp()).isFalse();
    assertThat(config.adminBind()).isEqualTo("0.0.0.0:9000");
  }

  @Test
  void helpNamesTheTransportFlags() {
    StringWriter node = new StringWriter();
    Main.commandLine().getSubcommands().get("node").usage(new PrintWriter(node));
    assertThat(node.toString()).contains("--tls-key", "--plain-http", "--admin-bind");
    StringWriter gateway = new StringWriter();
    Main.commandLine().getSubcommands().get("gateway").usage(new PrintWriter(gateway));
    assertThat(gateway.toString()).contains("--allow-plain-http-providers");
    StringWriter devnet = new StringWriter();
    Main.commandLine().getSubcommands().get("devnet").usage(new PrintWriter(devnet));
    assertThat(devnet.toString()).contains("--plain-http");
  }

  @Test
  void theGatewaySwitchIsOffUnlessGiven() {
    GatewayCommand off = new GatewayCommand();
    new CommandLine(off).parseArgs();
    assertThat(off.consumer.allowPlainHttpProviders).isFalse();
    GatewayCommand on = new GatewayCommand();
    new CommandLine(on).parseArgs("--allow-plain-http-providers");
    assertThat(on.consumer.allowPlainHttpProviders).isTrue();
  }

  @Test
  void curlWantsThePinInBase64() {
    var pin =
        new io.verinfer.protocol.tls.TlsPin(
            io.verinfer.protocol.Bytes32.fromHex("0x" + "00".repeat(31) + "01"));
    assertThat(NodeCommand.curlPin(pin)).isEqualTo("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE=");
  }
}
