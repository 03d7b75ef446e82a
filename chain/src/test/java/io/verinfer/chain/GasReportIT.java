package io.verinfer.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.LocalKeySigner;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;

/**
 * Measures the gas of deposits and redemptions on the real contracts and writes the table to
 * target/gas-report.md; with {@code -Dgas.report.update=true} it also rewrites the gas section of
 * bench/README.md. Gas is deterministic, so the goal (≤ 30,000 gas per lane inside a batch of 100
 * existing lanes) is checked here as a regression guard.
 *
 * <p>Lanes: distinct consumers (keys generated here, funded with {@code depositFor}) paying one
 * provider for one model; each voucher covers 1,000 calls.
 */
class GasReportIT {
  private static final long CALLS_PER_VOUCHER = 1_000;
  private static final long PRICE_PER_CALL = 1_000;
  private static final int[] BATCH_SIZES = {1, 10, 100};
  private static final long GOAL_PER_LANE = 30_000;

  private static String snapshot;
  private static Actors actors;

  @BeforeAll
  static void start() {
    snapshot = SharedDevnet.snapshot();
    actors = new Actors();
  }

  @AfterAll
  static void stop() {
    actors.close();
    SharedDevnet.revert(snapshot);
  }

  record Row(String operation, int lanes, long gas) {
    long perLane() {
      return gas / lanes;
    }

    double perCall() {
      return (double) gas / lanes / CALLS_PER_VOUCHER;
    }
  }

  @Test
  void measureAndReport() throws IOException {
    VerinferChain payer = actors.consumer(0);
    VerinferChain provider = actors.provider(0);
    ModelId model = Actors.publish(actors.author(0), "gas", 1_000);
    payer.token().approve(payer.channels().address(), TokenAmount.ofTokens("1000000"));
    List<Row> rows = new ArrayList<>();

    int total = 1 + 1 + BATCH_SIZES[0] + BATCH_SIZES[1] + BATCH_SIZES[2];
    List<LocalKeySigner> consumers = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      consumers.add(LocalKeySigner.of(ECKeyPair.create(BigInteger.valueOf(1_000_003L + i))));
    }
    TokenAmount deposit = TokenAmount.of(10 * CALLS_PER_VOUCHER * PRICE_PER_CALL);
    long firstDeposit = 0;
    long laterDeposit = 0;
    for (LocalKeySigner c : consumers) {
      long gas = payer.channels().depositFor(c.address(), deposit).gasUsed().longValueExact();
      firstDeposit = Math.max(firstDeposit, gas);
    }
    laterDeposit =
        payer.channels().depositFor(consumers.get(0).address(), deposit).gasUsed().longValueExact();
    rows.add(new Row("deposit (first: mints the Counter NFT)", 1, firstDeposit));
    rows.add(new Row("deposit (later)", 1, laterDeposit));

    // single redeem on one lane
    LocalKeySigner single = consumers.get(0);
    rows.add(
        new Row(
            "redeem — lane's first redemption",
            1,
            provider
                .channels()
                .redeem(sign(single, provider.account(), model, 1))
                .gasUsed()
                .longValueExact()));
    rows.add(
        new Row(
            "redeem — later redemption",
            1,
            provider
                .channels()
                .redeem(sign(single, provider.account(), model, 2))
                .gasUsed()
                .longValueExact()));

    int next = 2;
    long perLaneLater100 = Long.MAX_VALUE;
    for (int size : BATCH_SIZES) {
      List<LocalKeySigner> lanes = consumers.subList(next, next + size);
      next += size;
      for (int round = 1; round <= 2; round++) {
        List<SignedVoucher> batch = new ArrayList<>();
        for (LocalKeySigner c : lanes) {
          batch.add(sign(c, provider.account(), model, round));
        }
        long gas = provider.channels().redeemBatch(batch).gasUsed().longValueExact();
        String label =
            round == 1 ? "redeemBatch — lanes' first redemption" : "redeemBatch — later redemption";
        rows.add(new Row(label, size, gas));
        if (size == 100 && round == 2) {
          perLaneLater100 = gas / size;
        }
      }
    }

    String table = render(rows);
    Path root = Path.of(System.getProperty("verinfer.root", ".."));
    Path out = root.resolve("chain/target/gas-report.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, table);
    System.out.println(table);
    if (Boolean.getBoolean("gas.report.update")) {
      updateBenchReadme(root.resolve("bench/README.md"), table);
    }
    assertThat(perLaneLater100)
        .as("gas per lane, batch of 100 existing lanes")
        .isLessThanOrEqualTo(GOAL_PER_LANE);
  }

  private static SignedVoucher sign(
      LocalKeySigner consumer, Address provider, ModelId model, int round) {
    long calls = CALLS_PER_VOUCHER * round;
    Voucher v =
        new Voucher(
            consumer.address(), provider, model, TokenAmount.of(calls * PRICE_PER_CALL), calls);
    return SignedVoucher.sign(v, actors.admin().channels().domain(), consumer);
  }

  private static String render(List<Row> rows) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        "| operation | lanes | gas (tx total) | gas per lane | gas per paid call (1,000 calls per voucher) |\n");
    sb.append("|---|---:|---:|---:|---:|\n");
    for (Row r : rows) {
      boolean redeem = r.operation().startsWith("redeem");
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %,d | %,d | %s |%n",
              r.operation(),
              r.lanes(),
              r.gas(),
              r.perLane(),
              redeem ? String.format(Locale.ROOT, "%.1f", r.perCall()) : "—"));
    }
    return sb.toString();
  }

  private static void updateBenchReadme(Path readme, String table) throws IOException {
    String start = "<!-- gas-report:start -->";
    String end = "<!-- gas-report:end -->";
    String text = Files.exists(readme) ? Files.readString(readme) : "";
    int a = text.indexOf(start);
    int b = text.indexOf(end);
    if (a < 0 || b < a) {
      throw new IllegalStateException(readme + " lacks the " + start + " … " + end + " markers");
    }
    Files.writeString(
        readme, text.substring(0, a + start.length()) + "\n" + table + text.substring(b));
  }
}
