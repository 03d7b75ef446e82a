package io.verinfer.chain;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where a Verinfer deployment lives: the chain id, the JSON-RPC URL, every contract address and, on
 * a devnet only, the funded test accounts. Written by the devnet supervisor, read by every node,
 * gateway and CLI command that is pointed at a chain by config.
 *
 * @param contracts contract name (e.g. {@code PaymentChannels}) → address
 * @param accounts funded devnet accounts; empty for any real network
 */
public record Deployment(
    long chainId,
    URI rpcUrl,
    long deployedAtBlock,
    String admin,
    String treasury,
    Map<String, String> contracts,
    List<DevAccount> accounts) {

  /** A funded devnet account. Its key is one of Hardhat's well-known public test keys. */
  public record DevAccount(String address, String privateKey) {
    @Override
    public String toString() {
      return "DevAccount[" + address + "]"; // never print keys, even test keys
    }
  }

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public Deployment {
    Objects.requireNonNull(rpcUrl, "rpcUrl");
    contracts =
        Collections.unmodifiableMap(
            new LinkedHashMap<>(Objects.requireNonNull(contracts, "contracts")));
    accounts = accounts == null ? List.of() : List.copyOf(accounts);
    for (String name : ContractErrors.CONTRACTS) {
      if (!contracts.containsKey(name)) {
        throw new IllegalArgumentException("deployment is missing the address of " + name);
      }
    }
  }

  /** The address of contract {@code name}. */
  public String address(String name) {
    String address = contracts.get(name);
    if (address == null) {
      throw new IllegalArgumentException("no contract named " + name + " in this deployment");
    }
    return address;
  }

  public Deployment withRpcUrl(URI url) {
    return new Deployment(chainId, url, deployedAtBlock, admin, treasury, contracts, accounts);
  }

  /** Writes the file atomically (temp file + rename), so readers never see half of it. */
  public void write(Path file) {
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
      JSON.writeValue(tmp.toFile(), this);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write deployment file " + file, e);
    }
  }

  public static Deployment read(Path file) {
    try {
      return JSON.readValue(file.toFile(), Deployment.class);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read deployment file " + file, e);
    }
  }
}
