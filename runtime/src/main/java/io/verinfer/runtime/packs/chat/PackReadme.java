package io.verinfer.runtime.packs.chat;

import io.verinfer.runtime.textgen.DecoderConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The chat pack's README.md, written by {@link TrainChatPack} from what the run did. */
final class PackReadme {
  private PackReadme() {}

  static String render(
      ChatRecipe r,
      ChatCorpus corpus,
      Path pack,
      int examples,
      long tokens,
      long targets,
      List<String> log,
      double seconds,
      List<String[]> samples) {
    DecoderConfig m = r.model();
    DecoderTrainer.Optimizer o = r.optimizer();
    StringBuilder s = new StringBuilder();
    s.append("# verinfer-chat\n\n");
    s.append(
        "Verinfer's own small assistant: a GPT-2-style decoder (`runtime.textgen.DecoderWeights`)"
            + " trained from scratch, in pure Java, on a few hundred short questions and answers about"
            + " Verinfer written from the project's docs. It answers short questions about Verinfer"
            + " in ChatML and stops at `<|im_end|>`. Trained by"
            + " `io.verinfer.runtime.packs.chat.TrainChatPack`; the training is deterministic, so"
            + " the command below rewrites every byte of `weights.vdw`, `tokenizer.json` and"
            + " `training-log.csv` as committed. License: the project's own text and code.\n\n");
    s.append("| file | what |\n|---|---|\n");
    s.append(
        "| `weights.vdw` | the weights, `DecoderWeights` VDW1 binary (float32 little-endian) |\n");
    s.append(
        "| `tokenizer.json` | Hugging Face byte-level BPE (ByteLevel pre-tokenizer and decoder, no"
            + " post-processor: nothing is added around a text), loads in DJL's tokenizers |\n");
    s.append(
        "| `corpus/*.txt` | the training questions and answers (`Q:` lines, then one `A:`) |\n");
    s.append(
        "| `training-log.csv` | step, mean loss of the step's batch (nats per answer token), lr |\n");
    s.append("| `loss.png` | the loss curve (see below) |\n\n");

    s.append("## Chat format\n\n");
    s.append(
        "Every example is rendered as\n\n```\n<|im_start|>system\n"
            + ChatCorpus.SYSTEM
            + "<|im_end|>\n<|im_start|>user\n{question}<|im_end|>\n<|im_start|>assistant\n"
            + "{answer}<|im_end|>\n```\n\n");
    s.append(
        "Each pair appears up to four times: as written with the system message; casual (lower"
            + " case, no final `?`) without it; after a filler opening such as `Could you tell me`"
            + " with it; and casual with one word left out, without it (`ChatCorpus.examples`). The loss counts only the answer"
            + " tokens and the closing `<|im_end|>` (and the newline after it). The text is"
            + " tokenized by DJL from `tokenizer.json` with special tokens recognised inside the"
            + " text and no BOS/EOS, exactly as the engine tokenizes a prompt.\n\n");

    s.append("## Recipe\n\n| setting | value |\n|---|---|\n");
    row(
        s,
        "architecture",
        "pre-LayerNorm decoder, learned positions, causal MHA, tanh-GELU MLP, tied head");
    row(
        s,
        "shape",
        String.format(
            Locale.ROOT,
            "vocab %d, context %d, %d layers, %d heads, width %d, MLP %d: %,d parameters",
            m.vocabSize(),
            m.contextLength(),
            m.layers(),
            m.heads(),
            m.width(),
            m.mlpWidth(),
            m.parameterCount()));
    row(
        s,
        "tokenizer",
        m.vocabSize()
            + " tokens: 256 bytes, "
            + (m.vocabSize() - 256 - ChatCorpus.SPECIALS.size())
            + " merges learned on the rendered corpus (most frequent pair first, ties to the"
            + " smallest token ids), specials "
            + String.join(", ", ChatCorpus.SPECIALS.stream().map(t -> "`" + t + "`").toList()));
    row(
        s,
        "data",
        corpus.pairs().size()
            + " pairs → "
            + examples
            + " examples, "
            + tokens
            + " tokens of which "
            + targets
            + " are counted by the loss");
    row(s, "seed", r.seed() + " (initialisation); " + (r.seed() + 1) + " (example order)");
    row(
        s,
        "initialisation",
        "N(0, 0.02) for embeddings and matrices, N(0, 0.02/sqrt(2·layers)) for `wo` and `w2`,"
            + " gains 1, biases 0 (`java.util.Random.nextGaussian`)");
    row(
        s,
        "order",
        "every epoch a Fisher–Yates shuffle of all examples; batches are consecutive runs of it");
    row(s, "steps", String.valueOf(r.steps()));
    row(s, "batch", r.batchSize() + " chats, split into two fixed halves for two threads");
    row(
        s,
        "learning rate",
        "linear warmup to "
            + r.peakLr()
            + " over "
            + r.warmupSteps()
            + " steps, then cosine decay to "
            + r.peakLr() * r.minLrRatio());
    row(
        s,
        "optimizer",
        "AdamW β1 "
            + o.beta1()
            + ", β2 "
            + o.beta2()
            + ", ε "
            + o.epsilon()
            + ", decoupled weight decay "
            + o.weightDecay()
            + " on embeddings and matrices only");
    row(s, "gradient clipping", "global L2 norm " + o.clipNorm());
    row(s, "loss", "mean cross-entropy over the batch's answer tokens");
    s.append("\nCorpus files (sha256):\n\n");
    for (Path f : ChatCorpus.files(pack.resolve("corpus"))) {
      s.append("- `corpus/")
          .append(f.getFileName())
          .append("` ")
          .append(TrainChatPack.sha256(f))
          .append('\n');
    }

    s.append(
        "\n## Reproduce\n\nFrom the repository root (about the wall time below on two cores):\n\n");
    s.append(
        "```sh\n./mvnw -q -pl runtime -am compile -Dspotless.check.skip=true\n"
            + "./mvnw -q -pl runtime dependency:build-classpath -Dmdep.outputFile=target/classpath.txt\n"
            + "java -cp runtime/target/classes:$(cat runtime/target/classpath.txt) \\\n"
            + "  io.verinfer.runtime.packs.chat.TrainChatPack runtime/packs/verinfer-chat\n"
            + "sha256sum runtime/packs/verinfer-chat/weights.vdw\n```\n\n");
    s.append(
        "Java float arithmetic is IEEE-754 (no fused multiply-add), transcendental functions are"
            + " `StrictMath`'s, the two worker threads each own a fixed half of every batch and"
            + " their gradients are added in a fixed order, so the bytes do not depend on the"
            + " machine or the thread count. `ChatPackRecipeTest` retrains the first steps and"
            + " checks them against `training-log.csv`. A small run gave the same weight bytes with the"
            + " JIT, with `-Xint` (interpreter only) and with `-XX:UseAVX=0` (no vector"
            + " instructions); only one machine was tried. `loss.png` is not part of that"
            + " promise.\n\n");
    s.append("| artefact | sha256 |\n|---|---|\n");
    s.append("| `weights.vdw` | ")
        .append(TrainChatPack.sha256(pack.resolve("weights.vdw")))
        .append(" |\n");
    s.append("| `tokenizer.json` | ")
        .append(TrainChatPack.sha256(pack.resolve("tokenizer.json")))
        .append(" |\n\n");
    s.append(
        String.format(
            Locale.ROOT,
            "Wall time of the committed run: %.0f s (%.1f min) on %d cores, tokenizer, training"
                + " and samples included.%n%n",
            seconds,
            seconds / 60,
            Runtime.getRuntime().availableProcessors()));

    s.append("## Loss\n\n![loss](loss.png)\n\n");
    s.append(
        "x: step 0 to "
            + r.steps()
            + "; y: loss from 0 to the first step's, grey lines every 1.0 nat; light: per step,"
            + " dark: 25-step moving average.\n\n");
    s.append("| step | loss (mean of the 10 steps ending here) | lr |\n|---|---|---|\n");
    int n = log.size() - 1;
    for (int step : checkpoints(n)) {
      double sum = 0;
      int k = 0;
      for (int i = Math.max(1, step - 9); i <= step; i++) {
        sum += Double.parseDouble(log.get(i).split(",")[1]);
        k++;
      }
      s.append(
          String.format(
              Locale.ROOT, "| %d | %.4f | %s |%n", step, sum / k, log.get(step).split(",")[2]));
    }

    s.append("\n## Sample outputs\n\n");
    s.append(
        "Greedy decoding (argmax, up to 80 tokens) with the system message, by `GreedyChat` over"
            + " the trainer's own forward pass. The first five questions (and `Hello`) are in the"
            + " corpus; the others are rephrased or new.\n\n");
    for (String[] qa : samples) {
      s.append("- **").append(qa[0]).append("**  \n  ").append(qa[1].strip()).append('\n');
    }
    s.append("\n## What it does badly\n\n").append(LIMITS);
    return s.toString();
  }

  static final String LIMITS =
      "- Questions from the corpus get their answer word for word; rephrased ones are hit and miss: most get a relevant answer, some get the answer of a different question (in the samples, the verification modes get the test command) or one wrong word (`Vouchers govern`). Treat it as a demo of the pipeline, not as a source of truth.\n"
          + "- It knows only its corpus: an out-of-domain question gets corpus-flavoured nonsense, said just as confidently (see the last sample).\n"
          + "- The training loss ends near zero: it memorised the answers (dozens of passes over the data) and generalises little beyond their wording.\n"
          + "- It was trained on single turns; earlier turns of a longer chat are context it never saw in training.\n"
          + "- Facts are as of the docs it was written from; parameter defaults changed by governance make its answers stale.\n";

  private static int[] checkpoints(int n) {
    int[] base = {1, 10, 25, 50, 100, 200, 300, 400, 500, 750, 1000, 1250, 1500, 2000, 2500, 3000};
    return java.util.stream.IntStream.concat(
            java.util.Arrays.stream(base).filter(x -> x < n), java.util.stream.IntStream.of(n))
        .toArray();
  }

  private static void row(StringBuilder s, String k, String v) {
    s.append("| ").append(k).append(" | ").append(v).append(" |\n");
  }
}
