package io.verinfer.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class CidTest {
  private static final String EMPTY = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
  private static final String HELLO = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e";

  @Test
  void knownAnswers() {
    assertThat(Cid.of(new byte[0])).hasToString(EMPTY);
    assertThat(Cid.of("hello world".getBytes(StandardCharsets.US_ASCII))).hasToString(HELLO);
    assertThat(HexFormat.of().formatHex(Cid.parse(HELLO).digest()))
        .isEqualTo("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
    assertThat(HexFormat.of().formatHex(Cid.parse(EMPTY).bytes()))
        .isEqualTo("01551220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }

  @Test
  void matchesAndStreamingDigest() {
    byte[] content = "hello world".getBytes(StandardCharsets.US_ASCII);
    Cid cid = Cid.parse(HELLO);
    assertThat(cid.matches(content)).isTrue();
    assertThat(cid.matches(new byte[0])).isFalse();
    assertThat(Cid.ofSha256Digest(cid.digest())).isEqualTo(cid);
  }

  @Property
  void parseOfToStringRoundTrips(@ForAll byte[] content) {
    Cid cid = Cid.of(content);
    assertThat(Cid.parse(cid.toString())).isEqualTo(cid).hasSameHashCodeAs(cid);
    assertThat(cid.toString()).startsWith("bafkrei").hasSize(59);
    assertThat(cid.bytes()).hasSize(36).startsWith(1, 0x55, 0x12, 0x20).endsWith(cid.digest());
  }

  @Property
  void mutatedStringIsRejectedOrDifferent(
      @ForAll byte[] content,
      @ForAll @IntRange(min = 0, max = 58) int position,
      @ForAll("base32Chars") char replacement) {
    Cid cid = Cid.of(content);
    String text = cid.toString();
    String mutated = text.substring(0, position) + replacement + text.substring(position + 1);
    if (mutated.equals(text)) {
      return;
    }
    try {
      assertThat(Cid.parse(mutated)).isNotEqualTo(cid);
    } catch (IllegalArgumentException rejected) {
      assertThat(rejected).hasMessageContaining("cid");
    }
  }

  @Property
  void truncatedOrExtendedStringIsRejected(
      @ForAll byte[] content, @ForAll @IntRange(min = 1, max = 58) int keep) {
    String text = Cid.of(content).toString();
    assertThatThrownBy(() -> Cid.parse(text.substring(0, keep)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Cid.parse(text + "a")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsOtherShapesWithClearErrors() {
    byte[] digest = Cid.parse(HELLO).digest();
    assertThatThrownBy(() -> Cid.parse("QmaozNR7DZHQK1ZcU9p7QdrshMvXqWK6gpu5rmrkPdT3L4"))
        .hasMessageContaining("CIDv0");
    assertThatThrownBy(() -> Cid.parse("B" + HELLO.substring(1).toUpperCase()))
        .hasMessageContaining("multibase prefix 'B'");
    assertThatThrownBy(() -> Cid.parse("")).hasMessageContaining("must not be empty");
    assertThatThrownBy(() -> Cid.parse("bAFK")).hasMessageContaining("character 'A'");
    assertThatThrownBy(() -> Cid.parse(encode(digest, 0x02, 0x55, 0x12, 0x20)))
        .hasMessageContaining("CID version 2");
    assertThatThrownBy(() -> Cid.parse(encode(digest, 0x01, 0x70, 0x12, 0x20)))
        .hasMessageContaining("multicodec 0x70");
    assertThatThrownBy(() -> Cid.parse(encode(digest, 0x01, 0x55, 0x1b, 0x20)))
        .hasMessageContaining("multihash function 0x1b");
    assertThatThrownBy(() -> Cid.parse(encode(digest, 0x01, 0x55, 0x12, 0x21)))
        .hasMessageContaining("declares a 33-byte digest");
    assertThatThrownBy(() -> Cid.parse(encode(new byte[31], 0x01, 0x55, 0x12, 0x20)))
        .hasMessageContaining("carries 31 bytes");
    assertThatThrownBy(() -> Cid.parse(encode(digest, 0x81, 0x00, 0x55, 0x12, 0x20)))
        .hasMessageContaining("non-minimal varint");
  }

  @Test
  void rejectsNonZeroPaddingBits() {
    // 36 bytes = 288 bits = 57 chars + 3 bits; the last char's 2 spare bits must be zero.
    char last = HELLO.charAt(HELLO.length() - 1);
    String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    char sibling = alphabet.charAt(alphabet.indexOf(last) ^ 1);
    assertThatThrownBy(() -> Cid.parse(HELLO.substring(0, HELLO.length() - 1) + sibling))
        .hasMessageContaining("not canonical base32");
  }

  @Test
  void ofSha256DigestChecksLength() {
    assertThatThrownBy(() -> Cid.ofSha256Digest(new byte[20]))
        .hasMessageContaining("digest must be 32 bytes, got 20");
  }

  private static String encode(byte[] digest, int... prefix) {
    byte[] bin = new byte[prefix.length + digest.length];
    for (int i = 0; i < prefix.length; i++) {
      bin[i] = (byte) prefix[i];
    }
    System.arraycopy(digest, 0, bin, prefix.length, digest.length);
    return "b" + Base32.encode(bin);
  }

  @Provide
  Arbitrary<Character> base32Chars() {
    return Arbitraries.of("abcdefghijklmnopqrstuvwxyz234567ABZ019=".toCharArray());
  }

  @org.junit.jupiter.api.Test
  void binaryFormRoundTrips() {
    Cid cid = Cid.of("hello world".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    org.assertj.core.api.Assertions.assertThat(Cid.fromBytes(cid.bytes())).isEqualTo(cid);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Cid.fromBytes(new byte[] {1, 0x55}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
