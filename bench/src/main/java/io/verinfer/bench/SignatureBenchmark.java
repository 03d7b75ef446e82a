package io.verinfer.bench;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.LocalKeySigner;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Signature;
import io.verinfer.protocol.SignatureVerifier;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import java.math.BigInteger;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.web3j.crypto.ECKeyPair;

/**
 * Voucher signing and recovery per call, native libsecp256k1 (default) against pure Java (the
 * subclass forks with {@code -Dverinfer.secp256k1.pureJava=true}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SignatureBenchmark {
  private LocalKeySigner signer;
  private Eip712Domain domain;
  private Voucher voucher;
  private Bytes32 digest;
  private Signature signature;
  private long calls;

  @Setup
  public void setUp() {
    signer = LocalKeySigner.of(ECKeyPair.create(BigInteger.valueOf(123_456_789L)));
    domain = Eip712Domain.verinfer(31337, Address.of("0x5fc8d32690cc91d4c39d9d3abcbd16989f875707"));
    voucher =
        new Voucher(
            signer.address(),
            Address.of("0x23618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f"),
            ModelId.of(2),
            TokenAmount.of(10_000),
            1);
    digest = voucher.digest(domain);
    signature = signer.sign(digest);
  }

  @Benchmark
  public SignedVoucher signVoucher() {
    calls++;
    Voucher next =
        new Voucher(
            voucher.consumer(),
            voucher.provider(),
            voucher.modelId(),
            TokenAmount.of(10_000 * calls),
            calls);
    return SignedVoucher.sign(next, domain, signer);
  }

  @Benchmark
  public Optional<Address> recoverSigner() {
    return SignatureVerifier.recover(digest, signature);
  }

  /** The same benchmarks on the pure-Java path. */
  @Fork(value = 1, jvmArgsAppend = "-Dverinfer.secp256k1.pureJava=true")
  public static class PureJava extends SignatureBenchmark {}
}
