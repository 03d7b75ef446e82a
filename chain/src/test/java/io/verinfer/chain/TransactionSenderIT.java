package io.verinfer.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.chain.testing.TcpProxy;
import io.verinfer.chain.tx.ReceiptPoller;
import io.verinfer.chain.tx.RetryPolicy;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.protocol.core.DefaultBlockParameterName;

/** Nonce management, retries through an RPC outage, and config-driven connection. */
class TransactionSenderIT {
  private String snapshot;
  private Actors actors;

  @BeforeEach
  void setUp() {
    snapshot = SharedDevnet.snapshot();
    actors = new Actors();
  }

  @AfterEach
  void tearDown() {
    actors.close();
    SharedDevnet.revert(snapshot);
  }

  private static long nonceOf(VerinferChain chain) throws Exception {
    return chain
        .web3j()
        .ethGetTransactionCount(chain.account().value(), DefaultBlockParameterName.LATEST)
        .send()
        .getTransactionCount()
        .longValueExact();
  }

  @Test
  void aTransactionSentDuringAnRpcOutageLandsExactlyOnceAfterwards() throws Exception {
    Deployment deployment = SharedDevnet.get().deployment();
    int nodePort = deployment.rpcUrl().getPort();
    Address recipient = Actors.address(Actors.OUTSIDER);
    try (TcpProxy proxy = new TcpProxy(nodePort).start();
        VerinferChain viaProxy =
            VerinferChain.connect(
                deployment.withRpcUrl(URI.create("http://127.0.0.1:" + proxy.port() + "/")),
                DevAccounts.account(Actors.CONSUMER_0),
                new RetryPolicy(40, Duration.ofMillis(50), Duration.ofMillis(250)))) {
      TokenAmount before = viaProxy.token().balanceOf(recipient);
      long nonceBefore = nonceOf(actors.consumer(0));

      proxy.stop();
      CompletableFuture<TxResult> sent =
          CompletableFuture.supplyAsync(
              () -> viaProxy.token().transfer(recipient, TokenAmount.of(7)));
      Thread.sleep(1_500);
      assertThat(sent).isNotDone();
      proxy.start();

      TxResult result = sent.get(60, TimeUnit.SECONDS);
      assertThat(result.receipt().isStatusOK()).isTrue();
      assertThat(viaProxy.token().balanceOf(recipient)).isEqualTo(before.plus(TokenAmount.of(7)));
      assertThat(nonceOf(actors.consumer(0))).isEqualTo(nonceBefore + 1);
    }
  }

  @Test
  void theSenderResynchronisesWhenAnotherProcessUsedItsNonce() throws Exception {
    VerinferChain first = actors.consumer(0);
    Address recipient = Actors.address(Actors.OUTSIDER);
    first.token().transfer(recipient, TokenAmount.of(1)); // first's nonce is now cached
    try (VerinferChain second =
        VerinferChain.connect(
            SharedDevnet.get().deployment(), DevAccounts.account(Actors.CONSUMER_0))) {
      second.token().transfer(recipient, TokenAmount.of(1)); // moves the on-chain nonce
    }
    long nonce = nonceOf(first);
    first.token().transfer(recipient, TokenAmount.of(1)); // cached nonce is stale: must recover
    assertThat(nonceOf(first)).isEqualTo(nonce + 1);
  }

  @Test
  void submitRecordsTheHashBeforeBroadcastingAndUsesTheGivenGas() throws Exception {
    VerinferChain sender = actors.consumer(0);
    Address recipient = Actors.address(Actors.OUTSIDER);
    String data =
        org.web3j.abi.FunctionEncoder.encode(
            new org.web3j.abi.datatypes.Function(
                "transfer",
                List.of(
                    new org.web3j.abi.datatypes.Address(recipient.value()),
                    new org.web3j.abi.datatypes.generated.Uint256(5)),
                List.of()));
    BigInteger minGas = BigInteger.valueOf(300_000); // far above a transfer's estimate
    BigInteger maxFee = BigInteger.valueOf(50_000_000_000L);
    BigInteger tip = BigInteger.valueOf(2_000_000_000L);
    List<String> knownBeforeBroadcast = new ArrayList<>();
    List<TransactionSender.Signed> recorded = new ArrayList<>();
    String hash =
        sender
            .sender()
            .submit(
                sender.token().address().value(),
                data,
                new TransactionSender.GasOptions(minGas, maxFee, tip),
                signed -> {
                  recorded.add(signed);
                  try {
                    sender
                        .web3j()
                        .ethGetTransactionByHash(signed.hash())
                        .send()
                        .getTransaction()
                        .ifPresent(tx -> knownBeforeBroadcast.add(tx.getHash()));
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                });
    assertThat(recorded).extracting(TransactionSender.Signed::hash).containsExactly(hash);
    assertThat(knownBeforeBroadcast).isEmpty();
    var receipt =
        new ReceiptPoller(sender.web3j(), Duration.ofSeconds(30)).waitForTransactionReceipt(hash);
    assertThat(receipt.isStatusOK()).isTrue();
    var tx = sender.web3j().ethGetTransactionByHash(hash).send().getTransaction().orElseThrow();
    assertThat(tx.getGas()).isEqualTo(minGas);
    assertThat(tx.getMaxFeePerGas()).isEqualTo(maxFee);
    assertThat(tx.getMaxPriorityFeePerGas()).isEqualTo(tip);
    assertThat(tx.getNonce()).isEqualTo(recorded.get(0).nonce());
  }

  @Test
  void aDeploymentFileIsAllAClientNeeds(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("deployment.json");
    SharedDevnet.get().deployment().write(file);
    assertThat(Files.readString(file)).doesNotContain("DevAccount[");
    Deployment read = Deployment.read(file);
    assertThat(read).isEqualTo(SharedDevnet.get().deployment());
    try (VerinferChain chain = VerinferChain.connect(read, DevAccounts.account(Actors.OUTSIDER))) {
      assertThat(chain.params().protocolFeeBps()).isBetween(0, 2_000);
      assertThat(chain.token().totalSupply().baseUnits()).isGreaterThan(BigInteger.ZERO);
    }
  }
}
