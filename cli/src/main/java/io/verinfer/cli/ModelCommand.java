package io.verinfer.cli;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.facade.ModelRegistryFacade;
import io.verinfer.chain.stats.ModelStats;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.ModelId;
import io.verinfer.runtime.ModelManifest;
import io.verinfer.runtime.store.LocalModelStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code verinfer model publish|list|show}: the model marketplace from the terminal. */
@Command(
    name = "model",
    mixinStandardHelpOptions = true,
    description = "Publish models to the ModelRegistry and read it.",
    subcommands = {
      ModelCommand.Publish.class,
      ModelCommand.ListModels.class,
      ModelCommand.Show.class,
      ModelCommand.Fetch.class
    })
public final class ModelCommand {
  /** {@code model publish PATH}. */
  @Command(
      name = "publish",
      mixinStandardHelpOptions = true,
      description = "Store a model pack by CID and register it in the ModelRegistry.")
  static final class Publish implements Callable<Integer> {
    @Parameters(index = "0", description = "A model pack directory (manifest.json + model file).")
    Path pack;

    @Option(
        names = "--royalty",
        description =
            "Royalty: basis points of every paid amount after the protocol fee, 0 to 5000"
                + " (default: the manifest's).")
    Integer royalty;

    @Option(
        names = "--tolerance",
        description = "Output tolerance in parts per million (default: the manifest's).")
    Long tolerancePpm;

    @Option(
        names = "--store",
        defaultValue = ".verinfer/store",
        description = "Local model store (default: ${DEFAULT-VALUE}).")
    Path storeDir;

    @Mixin ChainOptions chain;

    @Override
    public Integer call() throws IOException {
      PrintStream out = System.out;
      chain.deployment(); // fail before any work if there is no chain to publish to
      if (!Files.isRegularFile(pack.resolve(ModelManifest.FILE))) {
        throw new UserError(pack + " is not a model pack: it has no " + ModelManifest.FILE);
      }
      ModelManifest manifest = ModelManifest.read(pack);
      Path modelFile = manifest.modelFile(pack);
      if (!Files.isRegularFile(modelFile)) {
        throw new UserError("the manifest names " + manifest.model() + ", which is not in " + pack);
      }
      if (royalty != null && (royalty < 0 || royalty > 5_000)) {
        throw new UserError(
            "--royalty must be 0..5000 basis points (at most half of what a call pays), got "
                + royalty);
      }
      if (tolerancePpm != null && (tolerancePpm < 0 || tolerancePpm > 4_294_967_295L)) {
        throw new UserError("--tolerance must be 0..4294967295 ppm");
      }
      LocalModelStore store = new LocalModelStore(storeDir);
      long size = Files.size(modelFile);
      Cid cid =
          store.putFile(modelFile, new Progress(System.err, "storing " + manifest.name(), size));
      int royaltyBps =
          royalty != null
              ? royalty
              : manifest.royaltyBps() == null ? 0 : Integer.parseInt(manifest.royaltyBps());
      long tolerance = tolerancePpm != null ? tolerancePpm : manifest.tolerancePpm();
      try (VerinferChain author = chain.connect()) {
        ModelId id =
            author
                .models()
                .publish(
                    new ModelRegistryFacade.Publication(
                        cid, "onnx", manifest.schemaHash(), royaltyBps, tolerance));
        out.println("published " + manifest.name());
        out.println("  model id   " + id.value());
        out.println("  cid        " + cid);
        out.println("  size       " + size + " bytes");
        out.println("  royalty    " + royaltyBps + " bps of each paid call after the fee");
        out.println("  tolerance  " + tolerance + " ppm");
        out.println("  owner      " + author.account());
      }
      return 0;
    }
  }

  /** {@code model list [--sort calls|providers|disputes|latency|id]}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description =
          "List published models with what the chain says of them: paid calls settled, eligible"
              + " providers, disputes per 1,000 calls and the oracle's median provider latency.")
  static final class ListModels implements Callable<Integer> {
    @Mixin ChainOptions chain;

    @Option(
        names = "--sort",
        defaultValue = "id",
        description =
            "Order: id, calls (most first), providers (most first), disputes (lowest rate first),"
                + " latency (fastest first). Default: ${DEFAULT-VALUE}.")
    String sort;

    @Override
    public Integer call() {
      ModelStats.Sort order;
      try {
        order = ModelStats.Sort.parse(sort);
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage(), e);
      }
      try (VerinferChain reader = chain.connectReadOnly()) {
        List<ModelStats.Row> rows = ModelStats.collect(reader, order, System.err::println);
        System.out.printf(
            "%-4s %-62s %-8s %-10s %10s %9s %11s %9s %s%n",
            "ID",
            "CID",
            "ROYALTY",
            "STATUS",
            "CALLS",
            "PROVIDERS",
            "DISPUTES/1K",
            "LATENCY",
            "OWNER");
        for (ModelStats.Row r : rows) {
          var m = r.info();
          System.out.printf(
              "%-4d %-62s %-8s %-10s %10d %9d %11.2f %9s %s%n",
              r.model().value(),
              cidOf(m),
              m.royaltyBps(),
              m.deprecated() ? "deprecated" : "active",
              r.calls(),
              r.providers(),
              r.disputesPerThousand(),
              r.medianLatencyMs().isPresent() ? r.medianLatencyMs().getAsLong() + " ms" : "-",
              m.owner());
        }
        if (rows.isEmpty()) {
          System.out.println("(no models published yet)");
        }
      }
      return 0;
    }
  }

  /** {@code model show ID}. */
  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Show one published model.")
  static final class Show implements Callable<Integer> {
    @Parameters(index = "0", description = "The model id.")
    long id;

    @Mixin ChainOptions chain;

    @Override
    public Integer call() {
      if (id < 1) {
        throw new UserError("model ids start at 1");
      }
      try (VerinferChain reader = chain.connectReadOnly()) {
        var m = reader.models().model(ModelId.of(id));
        System.out.println("model " + id);
        System.out.println("  cid          " + cidOf(m));
        System.out.println("  format       " + m.format());
        System.out.println("  schema hash  " + m.schemaHash());
        System.out.println(
            "  royalty      " + m.royaltyBps() + " bps of each paid call after the fee");
        System.out.println("  tolerance    " + m.tolerancePpm() + " ppm");
        System.out.println("  owner        " + m.owner());
        System.out.println("  published    " + m.publishedAt());
        System.out.println("  status       " + (m.deprecated() ? "deprecated" : "active"));
      }
      return 0;
    }
  }

  /** {@code model fetch CID --peer URL…}. */
  @Command(
      name = "fetch",
      mixinStandardHelpOptions = true,
      description = "Fetch a model blob by CID from peers into the local store (hash checked).")
  static final class Fetch implements Callable<Integer> {
    @Parameters(index = "0", description = "The model's CID (bafkrei…).")
    String cid;

    @Option(
        names = "--peer",
        required = true,
        paramLabel = "URL[#PIN]",
        description =
            "A node's base URL (repeatable). HTTPS needs the node's key pin after '#', as `verinfer"
                + " node` prints it, e.g. https://10.0.0.5:8080#sha256/0x…; plain http:// only on"
                + " the devnet or with --allow-plain-http-providers.")
    java.util.List<String> peers;

    @Option(
        names = "--deployment",
        defaultValue = ".verinfer/devnet/deployment.json",
        description =
            "Deployment file whose chain id decides whether plain HTTP peers are allowed (the"
                + " devnet allows them); default: ${DEFAULT-VALUE}.")
    Path deployment;

    @Option(
        names = "--allow-plain-http-providers",
        description =
            "Fetch from plain http:// peers on any chain (e.g. behind a TLS proxy you trust); by"
                + " default only the devnet allows it.")
    boolean allowPlainHttp;

    @Option(
        names = "--store",
        defaultValue = ".verinfer/store",
        description = "Local model store (default: ${DEFAULT-VALUE}).")
    Path storeDir;

    @Override
    public Integer call() throws IOException {
      Cid wanted;
      try {
        wanted = Cid.parse(cid);
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
      LocalModelStore store = new LocalModelStore(storeDir);
      if (store.contains(wanted)) {
        System.out.println(wanted + " is already in " + storeDir);
        return 0;
      }
      Progress[] bar = new Progress[1];
      java.util.List<io.verinfer.runtime.store.PeerFetcher.Peer> parsed =
          new java.util.ArrayList<>();
      for (String peer : peers) {
        try {
          parsed.add(io.verinfer.runtime.store.PeerFetcher.Peer.parse(peer));
        } catch (IllegalArgumentException e) {
          throw new UserError("--peer: " + e.getMessage(), e);
        }
      }
      new io.verinfer.runtime.store.PeerFetcher(
              store, java.time.Duration.ofMinutes(10), transportPolicy())
          .fetch(
              wanted,
              parsed,
              (peer, bytes, total) -> {
                if (bar[0] == null) {
                  bar[0] = new Progress(System.err, "fetching from " + peer, total);
                }
                bar[0].accept(bytes);
              });
      System.out.println(
          "fetched "
              + wanted
              + " ("
              + store.size(wanted)
              + " bytes, hash checked) into "
              + storeDir);
      return 0;
    }

    /**
     * Plain HTTP peers are allowed on the devnet (the deployment file's chain id) or when told so;
     * without a deployment file the chain is unknown, so only the switch allows them.
     */
    private io.verinfer.protocol.tls.TransportPolicy transportPolicy() {
      long chainId =
          java.nio.file.Files.isRegularFile(deployment)
              ? io.verinfer.chain.Deployment.read(deployment).chainId()
              : -1;
      return new io.verinfer.protocol.tls.TransportPolicy(chainId, allowPlainHttp);
    }
  }

  static String cidOf(ModelRegistryFacade.ModelInfo m) {
    try {
      return Cid.fromBytes(m.cidBytes()).toString();
    } catch (IllegalArgumentException e) {
      return "0x" + org.web3j.utils.Numeric.toHexStringNoPrefix(m.cidBytes()) + " (not a CIDv1)";
    }
  }
}
