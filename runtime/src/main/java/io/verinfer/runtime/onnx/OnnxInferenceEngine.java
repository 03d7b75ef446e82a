package io.verinfer.runtime.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TensorSpec;
import io.verinfer.protocol.VerinferException;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.InferenceEngine;
import io.verinfer.runtime.ModelSpec;
import io.verinfer.runtime.SchemaValidator;
import io.verinfer.runtime.store.ModelStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link InferenceEngine} over ONNX Runtime: sessions cached by CID within a byte budget, a global
 * budget of concurrent runs, micro-batching for models with a batch axis, and schema validation
 * before anything reaches ONNX Runtime.
 */
public final class OnnxInferenceEngine implements InferenceEngine {
  private static final Logger LOG = LoggerFactory.getLogger(OnnxInferenceEngine.class);

  private final OrtEnvironment env = OrtEnv.environment();
  private final ModelStore store;
  private final EngineConfig config;
  private final SessionCache sessions;
  private final Semaphore runPermits;
  private final Map<String, ModelSpec> models = new ConcurrentHashMap<>();
  private final Map<String, MicroBatcher> batchers = new ConcurrentHashMap<>();
  private final String provider;
  private final DirectBufferPool buffers = new DirectBufferPool();
  private final java.util.concurrent.atomic.AtomicLong runs =
      new java.util.concurrent.atomic.AtomicLong();
  private final boolean cuda;

  public OnnxInferenceEngine(ModelStore store, EngineConfig config) {
    this.store = store;
    this.config = config;
    this.runPermits = new Semaphore(config.maxConcurrentRuns());
    boolean cudaPresent = OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
    this.cuda = config.useGpu() && cudaPresent;
    if (config.useGpu() && !cudaPresent) {
      this.provider = "CPU (GPU requested, but this ONNX Runtime build has no CUDA provider)";
      LOG.warn("GPU requested but the CUDA execution provider is not available; running on CPU");
    } else {
      this.provider = cuda ? "CUDA" : "CPU";
    }
    this.sessions = new SessionCache(env, store, this::sessionOptions, config.sessionCacheBytes());
  }

  private OrtSession.SessionOptions sessionOptions() {
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    try {
      options.setIntraOpNumThreads(config.intraOpThreads());
      options.setInterOpNumThreads(1);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      if (cuda) {
        options.addCUDA();
      }
      return options;
    } catch (OrtException e) {
      options.close();
      throw new IllegalStateException("cannot configure an ONNX Runtime session", e);
    }
  }

  @Override
  public void deploy(ModelSpec spec) {
    if (!store.contains(spec.cid())) {
      throw new VerinferException(
          ErrorCode.UNKNOWN_CID,
          "cid",
          "model " + spec.name() + ": blob " + spec.cid() + " is not in the model store");
    }
    try (SessionCache.Lease lease = sessions.acquire(spec.cid())) {
      checkGraphMatchesSchema(spec, lease.session());
    } catch (IOException | OrtException e) {
      throw new IllegalStateException(
          "cannot load model " + spec.name() + " (" + spec.cid() + ")", e);
    }
    models.put(spec.name(), spec);
    MicroBatcher old = batchers.remove(spec.name());
    if (old != null) {
      old.close();
    }
    if (spec.schema().batchable() && config.maxBatchSize() > 1) {
      batchers.put(
          spec.name(),
          new MicroBatcher(
              spec.name(),
              in -> run(spec, in),
              runPermits,
              config.maxBatchSize(),
              config.maxBatchWait()));
    }
    LOG.info(
        "deployed {} ({}), batching {}",
        spec.name(),
        spec.cid(),
        batchers.containsKey(spec.name()));
  }

  private static void checkGraphMatchesSchema(ModelSpec spec, OrtSession session)
      throws OrtException {
    Map<String, NodeInfo> graphInputs = session.getInputInfo();
    for (TensorSpec in : spec.schema().inputs()) {
      NodeInfo node = graphInputs.get(in.name());
      if (node == null || !(node.getInfo() instanceof TensorInfo info)) {
        throw new IllegalArgumentException(
            spec.name()
                + ": the ONNX graph has no tensor input '"
                + in.name()
                + "' (it has "
                + graphInputs.keySet()
                + ")");
      }
      if (OrtTensors.dataType(info.type, in.name()) != in.datatype()) {
        throw new IllegalArgumentException(
            spec.name()
                + ": input '"
                + in.name()
                + "' is "
                + info.type
                + " in the graph but "
                + in.datatype()
                + " in the schema");
      }
      if (info.getShape().length != in.shape().size()) {
        throw new IllegalArgumentException(
            spec.name()
                + ": input '"
                + in.name()
                + "' has rank "
                + info.getShape().length
                + " in the graph");
      }
    }
    Map<String, NodeInfo> graphOutputs = session.getOutputInfo();
    for (TensorSpec out : spec.schema().outputs()) {
      if (!graphOutputs.containsKey(out.name())) {
        throw new IllegalArgumentException(
            spec.name()
                + ": the ONNX graph has no output '"
                + out.name()
                + "' (it has "
                + graphOutputs.keySet()
                + ")");
      }
    }
  }

  @Override
  public Optional<ModelSpec> model(String name) {
    return Optional.ofNullable(models.get(name));
  }

  @Override
  public List<ModelSpec> models() {
    return List.copyOf(models.values());
  }

  @Override
  public boolean isReady(String name) {
    ModelSpec spec = models.get(name);
    return spec != null && store.contains(spec.cid());
  }

  @Override
  public List<Tensor> infer(String name, List<Tensor> inputs) {
    ModelSpec spec = models.get(name);
    if (spec == null) {
      throw new VerinferException(
          ErrorCode.UNKNOWN_MODEL, "model", "no model named '" + name + "' is served here");
    }
    long rows = SchemaValidator.validate(name, spec.schema(), inputs);
    MicroBatcher batcher = batchers.get(name);
    if (batcher == null) {
      try {
        runPermits.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for a run slot", e);
      }
      try {
        return run(spec, inputs);
      } finally {
        runPermits.release();
      }
    }
    try {
      return batcher.submit(inputs, rows).join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw e;
    }
  }

  /** Runs one (possibly stacked) request; the caller holds a run permit. */
  private List<Tensor> run(ModelSpec spec, List<Tensor> inputs) {
    Map<String, OnnxTensor> feed = new HashMap<>();
    List<java.nio.ByteBuffer> borrowed = new ArrayList<>(inputs.size());
    try (SessionCache.Lease lease = sessions.acquire(spec.cid())) {
      for (Tensor t : inputs) {
        java.nio.ByteBuffer direct = buffers.take(t.byteSize());
        borrowed.add(direct);
        feed.put(t.name(), OrtTensors.toOrt(env, t, direct));
      }
      runs.incrementAndGet();
      try (OrtSession.Result result = lease.session().run(feed)) {
        List<Tensor> outputs = new ArrayList<>();
        for (Map.Entry<String, OnnxValue> e : result) {
          if (e.getValue() instanceof OnnxTensor t) {
            outputs.add(OrtTensors.fromOrt(e.getKey(), t));
          }
        }
        return outputs;
      }
    } catch (OrtException | IOException e) {
      throw new IllegalStateException("running " + spec.name() + " failed: " + e.getMessage(), e);
    } finally {
      feed.values().forEach(OnnxTensor::close);
      borrowed.forEach(buffers::give); // only once no ORT tensor points at them any more
    }
  }

  /**
   * What the engine has done so far and holds now, for metrics and tests.
   *
   * @param sessionRuns ONNX Runtime runs (a stacked batch is one run)
   * @param sessionLoads sessions created (session cache misses)
   * @param stackedBatches runs that stacked more than one request
   * @param stackedRequests requests served inside such runs
   * @param activeRuns runs holding a run slot now (at most {@link
   *     EngineConfig#maxConcurrentRuns()})
   * @param cachedSessions sessions loaded now
   * @param cachedSessionBytes model bytes of the loaded sessions: at most {@link
   *     EngineConfig#sessionCacheBytes()} unless one model alone is larger
   */
  public record Stats(
      long sessionRuns,
      long sessionLoads,
      long stackedBatches,
      long stackedRequests,
      int activeRuns,
      int cachedSessions,
      long cachedSessionBytes) {}

  public Stats stats() {
    long batchesRun = batchers.values().stream().mapToLong(MicroBatcher::stackedBatches).sum();
    long stacked = batchers.values().stream().mapToLong(MicroBatcher::stackedRequests).sum();
    return new Stats(
        runs.get(),
        sessions.loads(),
        batchesRun,
        stacked,
        config.maxConcurrentRuns() - runPermits.availablePermits(),
        sessions.size(),
        sessions.usedBytes());
  }

  /** How many sessions have been created so far (cache misses). */
  public long sessionLoads() {
    return sessions.loads();
  }

  @Override
  public String executionProvider() {
    return provider;
  }

  @Override
  public void close() {
    batchers.values().forEach(MicroBatcher::close);
    batchers.clear();
    sessions.close();
  }
}
