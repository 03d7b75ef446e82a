package io.verinfer.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.web3j.crypto.StructuredDataEncoder;

/**
 * Cross-checks the Voucher and Receipt encoders against web3j's independent, JSON-driven EIP-712
 * implementation (the {@code eth_signTypedData_v4} shape wallets receive).
 */
class TypedDataCrossCheckTest {
  private static final String DOMAIN_TYPE =
      """
      "EIP712Domain": [
        {"name": "name", "type": "string"}, {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}]
      """;

  @Property(tries = 300)
  void voucherDigestMatchesWeb3j(
      @ForAll("vouchers") Voucher voucher, @ForAll("domains") Eip712Domain domain)
      throws Exception {
    String json =
        """
        {"types": {%s, "Voucher": [
          {"name": "consumer", "type": "address"}, {"name": "provider", "type": "address"},
          {"name": "modelId", "type": "uint64"}, {"name": "cumulativeAmount", "type": "uint128"},
          {"name": "cumulativeCalls", "type": "uint64"}]},
         "primaryType": "Voucher", "domain": %s,
         "message": {"consumer": "%s", "provider": "%s", "modelId": "%d",
                     "cumulativeAmount": "%s", "cumulativeCalls": "%d"}}
        """
            .formatted(
                DOMAIN_TYPE,
                domainJson(domain),
                voucher.consumer(),
                voucher.provider(),
                voucher.modelId().value(),
                voucher.cumulativeAmount(),
                voucher.cumulativeCalls());
    StructuredDataEncoder web3j = new StructuredDataEncoder(json);

    assertThat(web3j.encodeType("Voucher")).isEqualTo(Voucher.TYPE);
    assertThat(Bytes32.of(web3j.hashDomain())).isEqualTo(domain.separator());
    assertThat(Bytes32.of(web3j.hashStructuredData())).isEqualTo(voucher.digest(domain));
  }

  @Property(tries = 300)
  void receiptDigestMatchesWeb3j(
      @ForAll("receipts") Receipt receipt, @ForAll("domains") Eip712Domain domain)
      throws Exception {
    String json =
        """
        {"types": {%s, "Receipt": [
          {"name": "consumer", "type": "address"}, {"name": "provider", "type": "address"},
          {"name": "modelId", "type": "uint64"}, {"name": "inputHash", "type": "bytes32"},
          {"name": "outputHash", "type": "bytes32"}, {"name": "cumulativeAmount", "type": "uint128"},
          {"name": "cumulativeCalls", "type": "uint64"}]},
         "primaryType": "Receipt", "domain": %s,
         "message": {"consumer": "%s", "provider": "%s", "modelId": "%d", "inputHash": "%s",
                     "outputHash": "%s", "cumulativeAmount": "%s", "cumulativeCalls": "%d"}}
        """
            .formatted(
                DOMAIN_TYPE,
                domainJson(domain),
                receipt.consumer(),
                receipt.provider(),
                receipt.modelId().value(),
                receipt.inputHash(),
                receipt.outputHash(),
                receipt.cumulativeAmount(),
                receipt.cumulativeCalls());
    StructuredDataEncoder web3j = new StructuredDataEncoder(json);

    assertThat(web3j.encodeType("Receipt")).isEqualTo(Receipt.TYPE);
    assertThat(Bytes32.of(web3j.hashStructuredData())).isEqualTo(receipt.digest(domain));
  }

  private static String domainJson(Eip712Domain d) {
    return """
        {"name": "%s", "version": "%s", "chainId": "%d", "verifyingContract": "%s"}"""
        .formatted(d.name(), d.version(), d.chainId(), d.verifyingContract().toChecksum());
  }

  @Provide
  Arbitrary<Voucher> vouchers() {
    return Generators.vouchers();
  }

  @Provide
  Arbitrary<Receipt> receipts() {
    return Generators.receipts();
  }

  @Provide
  Arbitrary<Eip712Domain> domains() {
    return Generators.domains();
  }
}
