package io.verinfer.node.onchain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.bindings.NpcDialogue;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.text.ContractPrompt;
import io.verinfer.runtime.packs.ChatDemoPack;
import io.verinfer.runtime.textgen.TextGenerator;
import io.verinfer.runtime.textgen.TextRuns;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * A contract asks a text model for a reply through the InferenceCoordinator and stores the text it
 * gets in its callback: the {@code NpcDialogue} example, a real paid node serving a text pack on
 * the shared devnet, answered by the project's own chat model.
 */
class OnchainTextIT {
  private static final TokenAmount MAX_FEE = TokenAmount.of(5_000);
  private static String snapshot;
  private static Actors actors;
  private static OnchainProvider provider;
  private static Path dir;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("verinfer-onchain-text-");
    snapshot = SharedDevnet.snapshot();
    actors = new Actors();
    Path pack = ChatDemoPack.write(dir.resolve("packs"));
    provider = OnchainProvider.publishAndStart(actors, dir, pack);
  }

  @AfterAll
  static void stop() {
    try {
      if (provider != null) {
        provider.close();
      }
      if (actors != null) {
        actors.close();
      }
    } finally {
      SharedDevnet.revert(snapshot);
    }
  }

  @Test
  void aContractGetsTheReplyTextInItsCallback() throws Exception {
    VerinferChain owner = actors.consumer(0);
    NpcDialogue npc =
        NpcDialogue.deploy(
                owner.web3j(),
                owner.sender(),
                new DefaultGasProvider(),
                owner.coordinator().address().value(),
                BigInteger.valueOf(provider.model().value()),
                MAX_FEE.baseUnits())
            .send();
    Address npcAddress = Address.of(npc.getContractAddress());
    owner.token().approve(owner.coordinator().address(), TokenAmount.of(100_000));
    owner.coordinator().depositFor(npcAddress, TokenAmount.of(100_000));

    String question = "What is Verinfer?";
    var requested =
        owner
            .coordinator()
            .requested(
                owner
                    .sender()
                    .send(npc.getContractAddress(), npc.ask(question).encodeFunctionCall()));
    long id = requested.get(0).id();
    SharedDevnet.mine(); // the request's confirmation
    OnchainProvider.await(
        "the reply in the contract",
        () -> !call(() -> npc.lineOf(BigInteger.valueOf(id))).isEmpty());

    // what the node's own engine says to the same prompt, greedily, is what the contract holds
    TextGenerator engine = provider.node().textGenerator().orElseThrow();
    String expected =
        new String(
            TextRuns.complete(
                engine,
                ChatDemoPack.NAME,
                new ContractPrompt(question, npc.MAX_TOKENS().send().intValueExact())),
            StandardCharsets.UTF_8);
    String line = call(() -> npc.lineOf(BigInteger.valueOf(id)));
    assertThat(line).isEqualTo(expected).startsWith("Verinfer is a decentralized marketplace");
    assertThat(call(npc::lastLine)).isEqualTo(expected);
    System.out.printf("NpcDialogue asked %s and stored %s%n", question, line);
  }

  private interface Call<T> {
    org.web3j.protocol.core.RemoteFunctionCall<T> get() throws Exception;
  }

  private static <T> T call(Call<T> view) {
    try {
      return view.get().send();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
