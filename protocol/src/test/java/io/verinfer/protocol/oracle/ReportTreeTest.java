package io.verinfer.protocol.oracle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ReportTreeTest {
  private static List<Address> providers(int n) {
    List<Address> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] b = Bytes32.keccak256(("p" + i).getBytes()).bytes();
      list.add(Address.of(Arrays.copyOfRange(b, 12, 32)));
    }
    return Observation.sorted(list);
  }

  private static List<Figures> figures(int n) {
    List<Figures> list = new ArrayList<>();
    for (int i = 0; i < n; i++) list.add(new Figures(i % 10_001, 3L * i, 10_000 - i % 10_001));
    return list;
  }

  @Property(tries = 60)
  void everyLeafsProofVerifiesAndNoOtherLeafDoes(@ForAll @IntRange(min = 1, max = 130) int n) {
    List<Address> providers = providers(n);
    List<Figures> medians = figures(n);
    ReportTree tree = new ReportTree(3, 9, providers, medians);
    for (int i = 0; i < n; i++) {
      Bytes32 leaf = ReportTree.leaf(3, 9, providers.get(i), medians.get(i));
      assertThat(ReportTree.verify(tree.proof(i), tree.root(), leaf)).isTrue();
      Figures other = new Figures(medians.get(i).uptimeBps() ^ 1, medians.get(i).latencyMs(), 0);
      assertThat(
              ReportTree.verify(
                  tree.proof(i), tree.root(), ReportTree.leaf(3, 9, providers.get(i), other)))
          .isFalse();
      assertThat(
              ReportTree.verify(
                  tree.proof(i),
                  tree.root(),
                  ReportTree.leaf(3, 10, providers.get(i), medians.get(i))))
          .as("another epoch's leaf")
          .isFalse();
    }
    assertThat(tree.proof(0).size()).isLessThanOrEqualTo(64 - Long.numberOfLeadingZeros(n));
  }

  @Property
  void figuresPackAsTheContractDoes(
      @ForAll @IntRange(max = 10_000) int uptime,
      @ForAll @IntRange(max = 10_000) int canary,
      @ForAll @IntRange(max = Integer.MAX_VALUE) int latency) {
    Figures f = new Figures(uptime, latency, canary);
    assertThat(Figures.unpack(f.packed())).isEqualTo(f);
    assertThat(f.packed() >>> 48).isEqualTo(uptime);
    assertThat(f.packed() & 0xFFFF).isEqualTo(canary);
  }

  @Test
  void badFiguresAreRefusedNamingTheField() {
    assertThatThrownBy(() -> new Figures(10_001, 0, 0)).hasMessageContaining("uptimeBps");
    assertThatThrownBy(() -> new Figures(0, -1, 0)).hasMessageContaining("latencyMs");
    assertThatThrownBy(() -> new Figures(0, 0, 20_000)).hasMessageContaining("canaryBps");
    assertThat(Figures.DOWN.up()).isFalse();
  }

  @Test
  void theLowerMedianStaysBetweenHonestValuesWhenFewerThanHalfLie() {
    // four adapters, one liar at each extreme in turn
    List<List<Figures>> vectors =
        List.of(
            List.of(new Figures(10_000, 10, 10_000)),
            List.of(new Figures(9_950, 12, 10_000)),
            List.of(new Figures(9_990, 11, 10_000)),
            List.of(new Figures(0, Figures.NO_LATENCY, 0)));
    ReportMath.Result r = ReportMath.aggregate(vectors, 1_000, 10_000);
    assertThat(r.medians().get(0))
        .isEqualTo(new Figures(9_950, 11, 10_000)); // 2nd smallest of each
    assertThat(r.deviant()).containsExactly(0, 0, 0, 1);
    assertThat(ReportMath.struck(1, 1, 1_000)).isTrue();
    assertThat(ReportMath.struck(1, 10, 1_000)).isFalse();
  }

  @Test
  void observationsNeedAscendingProvidersAndOneFigurePerProvider() {
    List<Address> p = providers(3);
    assertThatThrownBy(() -> new Observation(1, 1, List.of(p.get(1), p.get(0)), figures(2)))
        .hasMessageContaining("ascending");
    assertThatThrownBy(() -> new Observation(1, 1, p, figures(2)))
        .hasMessageContaining("3 providers");
  }
}
