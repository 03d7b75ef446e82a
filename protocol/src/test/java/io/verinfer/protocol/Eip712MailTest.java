package io.verinfer.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The "Mail" example from the EIP-712 specification (its reference implementation Example.js), as a
 * known-answer test of the domain separator, the generic struct encoder, the digest and the signer.
 */
class Eip712MailTest {
  private static final Eip712Domain DOMAIN =
      new Eip712Domain(
          "Ether Mail", "1", 1, Address.of("0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"));

  private static final Bytes32 PERSON = Eip712Struct.typeHash("Person(string name,address wallet)");
  private static final Bytes32 MAIL =
      Eip712Struct.typeHash(
          "Mail(Person from,Person to,string contents)Person(string name,address wallet)");

  private static Bytes32 person(String name, String wallet) {
    return Eip712Struct.of(PERSON).string(name).address(Address.of(wallet)).hash();
  }

  private static Eip712Struct mail() {
    return Eip712Struct.of(MAIL)
        .bytes32(person("Cow", "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"))
        .bytes32(person("Bob", "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"))
        .string("Hello, Bob!");
  }

  @Test
  void typeHashOfMail() {
    assertThat(MAIL.hex())
        .isEqualTo("0xa0cedeb2dc280ba39b857546d74f5549c3a1d7bdc2dd96bf881f76108e23dac2");
  }

  @Test
  void encodeDataOfMail() {
    assertThat(HexFormat.of().formatHex(mail().encoded()))
        .isEqualTo(
            "a0cedeb2dc280ba39b857546d74f5549c3a1d7bdc2dd96bf881f76108e23dac2"
                + "fc71e5fa27ff56c350aa531bc129ebdf613b772b6604664f5d8dbe21b85eb0c8"
                + "cd54f074a4af31b4411ff6a60c9719dbd559c221c8ac3492d9d872b041d703d1"
                + "b5aadf3154a261abdd9086fc627b61efca26ae5702701d05cd2305f7c52a2fc8");
  }

  @Test
  void structHashOfMail() {
    assertThat(mail().hash().hex())
        .isEqualTo("0xc52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e");
  }

  @Test
  void domainSeparator() {
    assertThat(DOMAIN.separator().hex())
        .isEqualTo("0xf2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f");
  }

  @Test
  void digest() {
    assertThat(DOMAIN.digest(mail().hash()).hex())
        .isEqualTo("0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2");
  }

  @Test
  void signatureOfCowMatchesTheSpecification() {
    Signer cow =
        LocalKeySigner.fromPrivateKeyHex(
            Bytes32.keccak256("cow".getBytes(StandardCharsets.US_ASCII)).hex());
    assertThat(cow.address().toChecksum()).isEqualTo("0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826");

    Bytes32 digest = DOMAIN.digest(mail().hash());
    Signature sig = cow.sign(digest);

    assertThat(sig.v()).isEqualTo(28);
    assertThat(sig.r().hex())
        .isEqualTo("0x4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d");
    assertThat(sig.s().hex())
        .isEqualTo("0x07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562");
    assertThat(SignatureVerifier.recover(digest, sig)).contains(cow.address());
  }
}
