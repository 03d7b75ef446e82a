package io.verinfer.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;

class LocalKeySignerTest {
  private static final String KEY =
      "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

  @Test
  void addressFromHexOrKeyPair() {
    LocalKeySigner fromHex = LocalKeySigner.fromPrivateKeyHex(KEY);
    LocalKeySigner prefixed = LocalKeySigner.fromPrivateKeyHex("0x" + KEY);
    LocalKeySigner fromPair = LocalKeySigner.of(ECKeyPair.create(new BigInteger(KEY, 16)));
    assertThat(fromHex.address().toChecksum())
        .isEqualTo("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");
    assertThat(prefixed.address()).isEqualTo(fromHex.address());
    assertThat(fromPair.address()).isEqualTo(fromHex.address());
  }

  @Test
  void toStringShowsTheAddressButNeverTheKey() {
    String text = LocalKeySigner.fromPrivateKeyHex(KEY).toString();
    assertThat(text).contains("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");
    assertThat(text.toLowerCase()).doesNotContain(KEY).doesNotContain(KEY.substring(0, 8));
  }

  @Test
  void badKeysAreRejectedWithoutEchoingThem() {
    String almost = KEY.substring(0, 63) + "g";
    assertThatThrownBy(() -> LocalKeySigner.fromPrivateKeyHex(almost))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("64 hex digits")
        .message()
        .doesNotContain(KEY.substring(0, 8));
    assertThatThrownBy(() -> LocalKeySigner.fromPrivateKeyHex(KEY + "00"))
        .message()
        .doesNotContain(KEY.substring(0, 8));
    assertThatThrownBy(() -> LocalKeySigner.fromPrivateKeyHex("00".repeat(32)))
        .hasMessageContaining("[1, secp256k1n - 1]");
    String n = String.format("%064x", SignatureVerifier.N);
    assertThatThrownBy(() -> LocalKeySigner.fromPrivateKeyHex(n))
        .hasMessageContaining("[1, secp256k1n - 1]");
  }

  @Test
  void matchesEip2098Examples() {
    // EIP-2098 test cases: the messages are signed with the EIP-191 personal-message prefix.
    Signer signer = LocalKeySigner.fromPrivateKeyHex("12345678901234567890".repeat(3) + "1234");
    assertThat(signer.sign(personalMessageHash("Hello World")))
        .isEqualTo(
            new Signature(
                Bytes32.fromHex(
                    "0x68a020a209d3d56c46f38cc50a33f704f4a9a10a59377f8dd762ac66910e9b90"),
                Bytes32.fromHex(
                    "0x7e865ad05c4035ab5792787d4a0297a43617ae897930a6fe4d822b8faea52064"),
                27));
    Signature second = signer.sign(personalMessageHash("It's a small(er) world"));
    assertThat(second.r().hex())
        .isEqualTo("0x9328da16089fcba9bececa81663203989f2df5fe1faa6291a45381c81bd17f76");
    assertThat(second.vs().hex())
        .isEqualTo("0x939c6d6b623b42da56557e5e734a43dc83345ddfadec52cbe24d0cc64f550793");
  }

  private static Bytes32 personalMessageHash(String message) {
    byte[] body = message.getBytes(StandardCharsets.UTF_8);
    byte[] prefix =
        ("\u0019Ethereum Signed Message:\n" + body.length).getBytes(StandardCharsets.UTF_8);
    byte[] all = new byte[prefix.length + body.length];
    System.arraycopy(prefix, 0, all, 0, prefix.length);
    System.arraycopy(body, 0, all, prefix.length, body.length);
    return Bytes32.keccak256(all);
  }
}
