package io.verinfer.runtime.textgen;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.VerinferException;
import io.verinfer.runtime.ModelManifest;
import io.verinfer.runtime.onnx.OrtEnv;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link TextGenerator} over ONNX Runtime, for decoders with past key values in the Hugging Face
 * Optimum layout (the project's own {@link DecoderExporter} output, or e.g. GPT-2 exported by
 * Optimum), one session per model, loaded once at {@link #deploy}.
 *
 * <p>Each generation decodes one sequence (batch 1) on its caller's thread (a virtual thread's
 * session runs go to platform workers, see {@link #step}): the whole prompt in one run (prefill),
 * then one run per token, each run's {@code present.*} fed back as the next run's {@code
 * past_key_values.*}. Every run takes a permit of a fair semaphore of {@link
 * TextGeneratorConfig#maxConcurrentSteps()}, released before the chunk goes to the sink, so
 * concurrent streams interleave step by step and a stream whose sink blocks holds no permit. Since
 * a sequence is never batched with another, its tokens do not depend on what else runs; with one
 * intra-op thread (the default) they do not depend on load either. Another thread count, ONNX
 * Runtime build or CPU may round differently and so pick different tokens.
 */
public final class OnnxTextGenerator implements TextGenerator {
  private static final Logger LOG = LoggerFactory.getLogger(OnnxTextGenerator.class);

  private final OrtEnvironment env = OrtEnv.environment();
  private final TextGeneratorConfig config;
  private final Semaphore steps;
  private final boolean cuda;
  private final String provider;
  private final Map<String, Served> models = new ConcurrentHashMap<>();
  private final AtomicLong stepCount = new AtomicLong();
  // platform threads that run the steps of virtual-thread callers, first come first served
  private final java.util.concurrent.ExecutorService workers;

  public OnnxTextGenerator(TextGeneratorConfig config) {
    this.config = config;
    this.steps = new Semaphore(config.maxConcurrentSteps(), true);
    this.workers =
        java.util.concurrent.Executors.newFixedThreadPool(
            config.maxConcurrentSteps(),
            Thread.ofPlatform().name("decode-step-", 0).daemon(true).factory());
    boolean cudaPresent = OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
    this.cuda = config.useGpu() && cudaPresent;
    if (config.useGpu() && !cudaPresent) {
      this.provider = "CPU (GPU requested, but this ONNX Runtime build has no CUDA provider)";
      LOG.warn("GPU requested but the CUDA execution provider is not available; decoding on CPU");
    } else {
      this.provider = cuda ? "CUDA" : "CPU";
    }
  }

  /** A served model: its session, tokenizer and end tokens, closed once its last user is done. */
  private static final class Served {
    final TextModel model;
    final DecoderGraph graph;
    final DecoderTokenizer tokenizer;
    final int[] endTokens;
    private int users;
    private boolean retired;

    Served(TextModel model, DecoderGraph graph, DecoderTokenizer tokenizer, int[] endTokens) {
      this.model = model;
      this.graph = graph;
      this.tokenizer = tokenizer;
      this.endTokens = endTokens;
    }

    synchronized boolean acquire() {
      if (retired) {
        return false;
      }
      users++;
      return true;
    }

    synchronized void release() {
      users--;
      if (retired && users == 0) {
        free();
      }
    }

    synchronized void retire() {
      if (!retired) {
        retired = true;
        if (users == 0) {
          free();
        }
      }
    }

    private void free() {
      tokenizer.close();
      try {
        graph.session.close();
      } catch (OrtException e) {
        LOG.warn("closing the session of {} failed", model.name(), e);
      }
    }

    boolean isEnd(int token) {
      for (int t : endTokens) {
        if (t == token) {
          return true;
        }
      }
      return false;
    }
  }

  @Override
  public TextModel deploy(Path packDir) {
    ModelManifest manifest = ModelManifest.read(packDir);
    if (!TextPacks.TASK.equals(manifest.task())) {
      throw new IllegalArgumentException(
          manifest.name()
              + " is a '"
              + manifest.task()
              + "' pack; a text generator serves '"
              + TextPacks.TASK
              + "' packs");
    }
    if (manifest.tokenizer() == null) {
      throw new IllegalArgumentException(manifest.name() + ": the manifest names no tokenizer");
    }
    GenerationSettings settings = GenerationSettings.read(packDir);
    byte[] onnx;
    try {
      onnx = Files.readAllBytes(manifest.modelFile(packDir));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the model of " + manifest.name(), e);
    }
    String name = manifest.name();
    OrtSession session = null;
    DecoderTokenizer tokenizer = null;
    try (OrtSession.SessionOptions options = sessionOptions()) {
      session = env.createSession(onnx, options);
      DecoderGraph graph = DecoderGraph.inspect(name, session);
      tokenizer = DecoderTokenizer.open(packDir.resolve(manifest.tokenizer()));
      int[] endTokens = new int[settings.endTokens().size()];
      for (int i = 0; i < endTokens.length; i++) {
        String end = settings.endTokens().get(i);
        int[] ids = tokenizer.encode(end);
        if (ids.length != 1 || ids[0] >= graph.vocabSize) {
          throw new IllegalArgumentException(
              name
                  + ": end token "
                  + end
                  + " is not one token of the vocabulary, it encodes as "
                  + Arrays.toString(ids));
        }
        endTokens[i] = ids[0];
      }
      TextModel model =
          new TextModel(
              name,
              Cid.of(onnx),
              settings.contextLength(),
              graph.vocabSize,
              settings.chatTemplate());
      Served old = models.put(name, new Served(model, graph, tokenizer, endTokens));
      if (old != null) {
        old.retire();
      }
      LOG.info(
          "deployed text model {} ({}): {} layers, {} heads of {}, vocab {}, context {}, {}",
          name,
          model.cid(),
          graph.layers,
          graph.heads,
          graph.headWidth,
          graph.vocabSize,
          model.contextLength(),
          provider);
      return model;
    } catch (OrtException | RuntimeException e) {
      if (tokenizer != null) {
        tokenizer.close();
      }
      if (session != null) {
        try {
          session.close();
        } catch (OrtException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      if (e instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException("cannot load text model " + name + ": " + e.getMessage(), e);
    }
  }

  private OrtSession.SessionOptions sessionOptions() throws OrtException {
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
      throw e;
    }
  }

  @Override
  public Optional<TextModel> model(String name) {
    return Optional.ofNullable(models.get(name)).map(s -> s.model);
  }

  @Override
  public List<TextModel> models() {
    return models.values().stream().map(s -> s.model).toList();
  }

  @Override
  public int[] encode(String model, String text) {
    checkText(text);
    Served s = lease(model);
    try {
      return s.tokenizer.encode(text);
    } finally {
      s.release();
    }
  }

  @Override
  public String decode(String model, int[] tokens) {
    Served s = lease(model);
    try {
      checkTokens(s, tokens, "tokens");
      return s.tokenizer.decode(tokens, tokens.length);
    } finally {
      s.release();
    }
  }

  @Override
  public String renderChat(String model, List<ChatMessage> messages) {
    Served s = lease(model);
    try {
      return ChatTemplates.render(s.model.chatTemplate(), messages);
    } finally {
      s.release();
    }
  }

  @Override
  public Generation generate(String model, GenerationRequest request, GenerationSink sink) {
    Served s = lease(model);
    try {
      validate(s, request);
      return decodeLoop(s, request, sink);
    } finally {
      s.release();
    }
  }

  private Served lease(String name) {
    while (true) {
      Served s = models.get(name);
      if (s == null) {
        throw new VerinferException(
            ErrorCode.UNKNOWN_MODEL, "model", "no text model named '" + name + "' is served here");
      }
      if (s.acquire()) {
        return s;
      }
      // retired between the lookup and the lease: a redeploy put its successor in the map first
      models.remove(name, s);
    }
  }

  /** Text the native tokenizer would choke on is refused here (it crosses JNI as UTF-8). */
  private static void checkText(String text) {
    if (text == null) {
      throw new VerinferException(ErrorCode.MALFORMED_REQUEST, "text", "the text is missing");
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new VerinferException(
            ErrorCode.INVALID_TEXT,
            "text",
            "the text has an unpaired UTF-16 surrogate at index " + i + "; send valid Unicode");
      }
    }
  }

  private static void validate(Served s, GenerationRequest request) {
    TextModel m = s.model;
    int prompt = request.promptLength();
    int max = request.params().maxTokens();
    int context = m.contextLength();
    if (prompt >= context) {
      throw new VerinferException(
          ErrorCode.INVALID_VALUE,
          "prompt",
          "the prompt has "
              + prompt
              + " tokens; "
              + m.name()
              + " has a context of "
              + context
              + " tokens for prompt and completion together, so the prompt must be shorter");
    }
    if ((long) prompt + max > context) {
      throw new VerinferException(
          ErrorCode.INVALID_VALUE,
          "max_tokens",
          "the prompt's "
              + prompt
              + " tokens plus max_tokens "
              + max
              + " make "
              + ((long) prompt + max)
              + ", beyond the context of "
              + context
              + " tokens of "
              + m.name()
              + "; ask for at most "
              + (context - prompt)
              + " tokens");
    }
    checkTokens(s, request.promptTokens(), "prompt");
  }

  private static void checkTokens(Served s, int[] tokens, String field) {
    int vocab = s.model.vocabSize();
    for (int i = 0; i < tokens.length; i++) {
      if (tokens[i] < 0 || tokens[i] >= vocab) {
        throw new VerinferException(
            ErrorCode.INVALID_VALUE,
            field + "[" + i + "]",
            field
                + " token "
                + i
                + " is id "
                + tokens[i]
                + ", outside the vocabulary of "
                + s.model.name()
                + " (ids 0 to "
                + (vocab - 1)
                + ")");
      }
    }
  }

  private Generation decodeLoop(Served s, GenerationRequest request, GenerationSink sink) {
    SamplingParams params = request.params();
    int prompt = request.promptLength();
    int context = s.model.contextLength();
    int vocab = s.model.vocabSize();
    Sampler sampler = new Sampler(params);
    StreamedText text = new StreamedText(params.stop());
    int[] completion = new int[params.maxTokens()];
    int count = 0;
    FinishReason reason;
    try (DecoderGraph.Cache cache = s.graph.new Cache(env)) {
      float[] logits = step(s, cache, request.promptTokens());
      while (true) {
        int token = sampler.next(logits, 0, vocab);
        completion[count++] = token;
        StreamedText.Release released;
        FinishReason end = null;
        if (s.isEnd(token)) {
          released = text.finish(s.tokenizer.decode(completion, count));
          end = FinishReason.STOP;
        } else {
          String decoded = s.tokenizer.decode(completion, count);
          boolean full = count == params.maxTokens() || prompt + count >= context;
          released = full ? text.finish(decoded) : text.advance(decoded);
          if (released.stopped()) {
            end = FinishReason.STOP;
          } else if (full) {
            end = FinishReason.LENGTH;
          }
        }
        boolean more =
            sink.accept(new GeneratedChunk(count - 1, new int[] {token}, released.text()));
        if (end != null) {
          reason = end;
          break;
        }
        if (!more) {
          reason = FinishReason.CANCELLED;
          break;
        }
        logits = step(s, cache, new int[] {token});
      }
    }
    return new Generation(prompt, Arrays.copyOf(completion, count), text.text(), reason);
  }

  /**
   * One session run under a step permit. A virtual thread hands the run to a platform worker and
   * parks: a session run is a native call, which would pin the virtual thread's carrier for its
   * whole length, and with a step per carrier (the default on a server with virtual request
   * threads) every other virtual thread of the process — the HTTP handlers writing the streams, the
   * voucher endpoint — would wait for a step to end before it could run at all.
   */
  private float[] step(Served s, DecoderGraph.Cache cache, int[] tokens) {
    if (!Thread.currentThread().isVirtual()) {
      return runUnderPermit(s, cache, tokens);
    }
    java.util.concurrent.Future<float[]> run =
        workers.submit(() -> runUnderPermit(s, cache, tokens));
    try {
      return run.get();
    } catch (InterruptedException e) {
      // the worker finishes the run it started (the cache is not touched concurrently after it)
      awaitQuietly(run);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for a decoding step", e);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(
          "decoding step of " + s.model.name() + " failed: " + e.getCause(), e.getCause());
    }
  }

  private static void awaitQuietly(java.util.concurrent.Future<?> f) {
    while (true) {
      try {
        f.get();
        return;
      } catch (InterruptedException again) {
        // keep waiting: the cache must not be freed under a running step
      } catch (java.util.concurrent.ExecutionException
          | java.util.concurrent.CancellationException done) {
        return;
      }
    }
  }

  private float[] runUnderPermit(Served s, DecoderGraph.Cache cache, int[] tokens) {
    try {
      steps.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for a decoding step", e);
    }
    try {
      stepCount.incrementAndGet();
      return cache.run(tokens);
    } catch (OrtException e) {
      throw new IllegalStateException(
          "decoding step of " + s.model.name() + " failed: " + e.getMessage(), e);
    } finally {
      steps.release();
    }
  }

  /** Session runs so far (prefills and single-token steps), for metrics and tests. */
  public long steps() {
    return stepCount.get();
  }

  @Override
  public String executionProvider() {
    return provider;
  }

  @Override
  public void close() {
    for (String name : List.copyOf(models.keySet())) {
      Served s = models.remove(name);
      if (s != null) {
        s.retire();
      }
    }
    workers.shutdown();
  }
}
