package io.verinfer.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.client.ClientOptions;
import io.verinfer.client.VerinferClient;
import io.verinfer.client.gateway.Gateway;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.TokenAmount;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chaos under load (issue 15): eight callers send Open Inference Protocol requests through the
 * gateway for five minutes ({@code -Dverinfer.chaos.seconds}) while a chaos loop kills provider
 * processes ({@code kill -9}, under in-flight calls) and starts them again at random (the same
 * ledger file; a new port announced on-chain; one provider always stays up). At least 99.9 % of the
 * calls succeed, and none is paid twice: on every provider's lane each receipt is a different call
 * number, and after every node redeemed what it holds, the calls paid on-chain exceed the results
 * received only by calls in flight when a provider stopped, which the consumer's deposit paid once.
 */
class ChaosIT {
  private static final int CALLERS = 8;
  private static final int CONSUMER = 4;
  private static final TokenAmount DEPOSIT = TokenAmount.ofTokens("10");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  /** One call's outcome as the caller saw it. */
  private record Served(Address provider, long call) {}

  @Test
  void eightCallersThroughTheGatewayWhileProvidersDieAndReturn() throws Exception {
    long seconds = Long.getLong("verinfer.chaos.seconds", 300);
    long seed = Long.getLong("verinfer.chaos.seed", System.nanoTime());
    Random chaos = new Random(seed);
    System.out.printf("ChaosIT: %d callers for %d s, chaos seed %d%n", CALLERS, seconds, seed);
    try (Marketplace market = Marketplace.open(dir)) {
      ModelId model = market.publishFraudDetect(50);
      Path deploymentFile = dir.resolve("deployment.json");
      SharedDevnet.get().deployment().write(deploymentFile);
      List<Node> providers =
          List.of(
              new Node(8, TokenAmount.of(1_000)),
              new Node(9, TokenAmount.of(1_200)),
              new Node(10, TokenAmount.of(1_500)));
      for (Node n : providers) n.start(deploymentFile, dir);
      VerinferClient consumer =
          market.consumer(
              CONSUMER,
              ClientOptions.defaults()
                  .withTimeout(Duration.ofSeconds(3))
                  .withFailureCooldown(Duration.ofMillis(300))
                  .withDiscoveryTtl(Duration.ofMillis(200)));
      consumer.deposit(DEPOSIT);
      try (Gateway gateway = new Gateway(consumer, Map.of(), "127.0.0.1", 0);
          HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
        URI infer = URI.create(gateway.baseUrl() + "/v2/models/" + model.value() + "/infer");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Served> served = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicLong failed = new AtomicLong();
        Map<String, Long> failures = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
        List<Future<?>> callers = new ArrayList<>();
        for (int c = 0; c < CALLERS; c++) {
          int caller = c;
          callers.add(
              pool.submit(
                  () -> {
                    for (int i = 0; System.nanoTime() < deadline; i++) {
                      String error = call(http, infer, caller * 1_000_000 + i, served);
                      if (error != null) {
                        failed.incrementAndGet();
                        failures.merge(error, 1L, Long::sum);
                      }
                    }
                    return null;
                  }));
        }

        Set<Node> down = new java.util.LinkedHashSet<>();
        Map<Node, Integer> kills = new HashMap<>();
        while (System.nanoTime() < deadline) {
          Thread.sleep(2_000 + chaos.nextInt(4_000));
          if (System.nanoTime() >= deadline) break;
          List<Node> up = providers.stream().filter(x -> !down.contains(x)).toList();
          boolean restart = !down.isEmpty() && (up.size() == 1 || chaos.nextBoolean());
          if (restart) {
            Node n = List.copyOf(down).get(chaos.nextInt(down.size()));
            n.start(deploymentFile, dir); // the same ledger; a new port, announced on-chain
            down.remove(n);
          } else {
            // mostly the cheapest one up: the one the callers' traffic goes to
            Node n = chaos.nextInt(10) < 7 ? up.get(0) : up.get(chaos.nextInt(up.size()));
            n.kill(); // SIGKILL, under in-flight calls
            down.add(n);
            kills.merge(n, 1, Integer::sum);
          }
        }
        for (Future<?> f : callers) f.get(60, TimeUnit.SECONDS);
        pool.shutdown();
        for (Node n : down) n.start(deploymentFile, dir); // it redeems what its ledger holds

        long ok = served.size();
        long total = ok + failed.get();
        double rate = 100.0 * ok / total;
        System.out.printf(
            "ChaosIT: %d calls in %d s (%.1f/s), %d succeeded (%.3f %%), %d failed %s; kills %s%n",
            total, seconds, total / (double) seconds, ok, rate, failed.get(), failures, kills);
        assertThat(total).as("calls made").isGreaterThan(CALLERS * seconds / 10);
        assertThat(ok * 1_000).as("at least 99.9 % succeed").isGreaterThanOrEqualTo(total * 999);

        TokenAmount paid = TokenAmount.ZERO;
        var channels = market.chain(0).channels();
        try {
          for (Node n : providers) {
            List<Long> calls =
                served.stream()
                    .filter(s -> s.provider().equals(n.address()))
                    .map(Served::call)
                    .toList();
            assertThat(calls).as("%s: one receipt per call number", n).doesNotHaveDuplicates();
            long highest = calls.stream().mapToLong(Long::longValue).max().orElse(0);
            // its settler redeems every second: wait (bounded) until every receipt is on-chain
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (channels.laneOf(consumer.address(), n.address(), model).calls() < highest
                && System.nanoTime() < until) {
              Thread.sleep(200);
            }
            long onChain = channels.laneOf(consumer.address(), n.address(), model).calls();
            long withoutReply = onChain - calls.size();
            System.out.printf(
                "ChaosIT: %s served %d, paid on-chain %d (%d in flight at its %d kills)%n",
                n, calls.size(), onChain, withoutReply, kills.getOrDefault(n, 0));
            assertThat(onChain).as("%s: every receipt redeemed", n).isGreaterThanOrEqualTo(highest);
            assertThat(withoutReply)
                .as("%s: paid without a reply only for calls in flight when it was killed", n)
                .isBetween(0L, (long) CALLERS * kills.getOrDefault(n, 0));
            paid = paid.plus(n.price.times(onChain));
          }
        } finally {
          for (Node n : providers) n.kill();
        }
        assertThat(consumer.depositBalance())
            .as("the deposit paid each call on-chain once")
            .isEqualTo(DEPOSIT.minus(paid));
      }
    }
  }

  /** A provider node in its own JVM (ProviderProcess), killed with SIGKILL and restarted. */
  private static final class Node {
    final int account;
    final TokenAmount price;
    private Process process;

    Node(int account, TokenAmount price) {
      this.account = account;
      this.price = price;
    }

    Address address() {
      return io.verinfer.chain.testing.Actors.address(account);
    }

    void start(Path deploymentFile, Path dir) throws java.io.IOException {
      process = ProviderProcess.spawn(deploymentFile, account, dir.resolve("p" + account), price);
    }

    void kill() throws InterruptedException {
      if (process != null) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        process = null;
      }
    }

    @Override
    public String toString() {
      return "provider " + account + " (" + address().value() + ", price " + price + ")";
    }
  }

  /** One OIP call through the gateway; null when it succeeded, else what went wrong. */
  private static String call(HttpClient http, URI infer, int i, List<Served> served) {
    String body = Marketplace.oipInfer(i % 10_000);
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(infer)
                  .timeout(Duration.ofSeconds(30))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        return r.statusCode() + " " + JSON.readTree(r.body()).path("error").path("code").asText();
      }
      SignedReceipt receipt =
          PaymentHeaders.decodeReceipt(
              r.headers().firstValue(PaymentHeaders.RECEIPT).orElseThrow());
      served.add(new Served(receipt.receipt().provider(), receipt.receipt().cumulativeCalls()));
      return null;
    } catch (Exception e) {
      return e.getClass().getSimpleName();
    }
  }
}
