package io.verinfer.client;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.facade.ParamsFacade.DisputeParams;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.OutputComparator;
import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.text.TextOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiFunction;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a call under a {@link Verification} mode: re-runs it on other providers when the mode asks,
 * compares the answers within the model's tolerance, and opens disputes over the receipts of
 * answers that disagree.
 */
final class Verifier implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Verifier.class);

  /** How long a drawer waits for a dispute's anchor block before giving up (anyone may draw). */
  static final java.time.Duration DRAW_PATIENCE = java.time.Duration.ofMinutes(10);

  /** Runs the call once on a provider the routing allows; throws when none answers. */
  interface Runner extends BiFunction<LaneCaller.Request, Routing, InferenceResult> {}

  private final VerinferChain chain;
  private final RandomGenerator sampler;
  private final Map<ModelId, Long> tolerances = new ConcurrentHashMap<>();
  private final java.util.Set<Thread> drawers = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  Verifier(VerinferChain chain, RandomGenerator sampler) {
    this.chain = chain;
    this.sampler = sampler;
  }

  InferenceResult run(
      LaneCaller.Request request,
      Routing routing,
      Verification mode,
      Runner once,
      java.util.function.Supplier<List<Address>> candidates) {
    return switch (mode) {
      case Verification.None none -> once.apply(request, routing);
      case Verification.Sampled s -> sampled(request, routing, s, once);
      case Verification.Redundant r -> redundant(request, routing, r, once, candidates.get());
    };
  }

  private InferenceResult sampled(
      LaneCaller.Request request, Routing routing, Verification.Sampled mode, Runner once) {
    InferenceResult first = once.apply(request, routing);
    boolean drawn;
    synchronized (sampler) {
      drawn = sampler.nextDouble() < mode.probability();
    }
    if (!drawn) {
      return first.withVerification(VerificationReport.notChecked(mode, first.provider()));
    }
    Routing others = routing.without(first.provider());
    InferenceResult second;
    try {
      second = once.apply(request, others);
    } catch (NoProviderAvailableException e) {
      return first.withVerification(
          new VerificationReport(
              mode,
              VerificationReport.Outcome.SKIPPED,
              List.of(first.provider()),
              List.of(),
              List.of(),
              "no independent provider answered: " + e.getMessage()));
    }
    List<Address> both = List.of(first.provider(), second.provider());
    if (OutputComparator.agree(first.outputs(), second.outputs(), tolerance(request.model()))) {
      return first.withVerification(
          new VerificationReport(
              mode, VerificationReport.Outcome.AGREED, both, List.of(), List.of(), ""));
    }
    // two signed receipts for one input that disagree: the committee decides which is wrong
    Opened opened = dispute(request, List.of(first, second));
    return first.withVerification(
        new VerificationReport(
            mode,
            VerificationReport.Outcome.MISMATCH,
            both,
            List.of(second.provider()),
            opened.ids(),
            opened.note()));
  }

  private InferenceResult redundant(
      LaneCaller.Request request,
      Routing routing,
      Verification.Redundant mode,
      Runner once,
      List<Address> candidates) {
    FanOut<InferenceResult> ran =
        fanOut(
            request.model(), routing, mode, candidates, p -> once.apply(request, Routing.only(p)));
    return decide(
        mode,
        ran,
        Agreement.groups(
            ran.answers().stream().map(InferenceResult::outputs).toList(),
            tolerance(request.model())),
        InferenceResult::provider,
        InferenceResult::withVerification,
        // the dissenter's receipt against the majority's: the committee judges both
        (dissenter, chosen) -> dispute(request, List.of(dissenter, chosen)));
  }

  /**
   * What {@code redundant(k)} concludes from its answers grouped by agreement (largest group
   * first): the largest group's first answer, AGREED when all agree, NO_MAJORITY (nobody disputed)
   * without a majority, else MISMATCH with a dispute of each dissenter against that answer.
   */
  private static <R> R decide(
      Verification.Redundant mode,
      FanOut<R> ran,
      List<List<Integer>> groups,
      java.util.function.Function<R, Address> provider,
      BiFunction<R, VerificationReport, R> withReport,
      BiFunction<R, R, Opened> dispute) {
    List<R> answers = ran.answers();
    List<Integer> winners = groups.get(0);
    R chosenAnswer = answers.get(winners.get(0));
    List<Address> all = answers.stream().map(provider).toList();
    List<R> dissenters = new ArrayList<>();
    for (int i = 0; i < answers.size(); i++) {
      if (!winners.contains(i)) {
        dissenters.add(answers.get(i));
      }
    }
    String note =
        ran.failures().isEmpty() ? "" : "did not answer: " + String.join("; ", ran.failures());
    if (dissenters.isEmpty()) {
      return withReport.apply(
          chosenAnswer,
          new VerificationReport(
              mode, VerificationReport.Outcome.AGREED, all, List.of(), List.of(), note));
    }
    List<Address> dissent = dissenters.stream().map(provider).toList();
    if (!Agreement.hasMajority(groups, mode.providers())) {
      return withReport.apply(
          chosenAnswer,
          new VerificationReport(
              mode,
              VerificationReport.Outcome.NO_MAJORITY,
              all,
              dissent,
              List.of(),
              join(note, "no answer had a majority of " + mode.providers() + "; nobody disputed")));
    }
    List<Long> disputes = new ArrayList<>();
    String disputeNote = "";
    for (R d : dissenters) {
      Opened opened = dispute.apply(d, chosenAnswer);
      disputes.addAll(opened.ids());
      disputeNote = join(disputeNote, opened.note());
    }
    return withReport.apply(
        chosenAnswer,
        new VerificationReport(
            mode,
            VerificationReport.Outcome.MISMATCH,
            all,
            dissent,
            disputes,
            join(note, disputeNote)));
  }

  /** What {@code redundant(k)} got from its providers: answers in order, and who failed why. */
  private record FanOut<R>(List<R> answers, List<String> failures) {}

  /**
   * Runs {@code once} on the first {@code mode.providers()} candidates the routing allows, all at
   * once; throws when fewer are eligible or none answers.
   */
  private static <R> FanOut<R> fanOut(
      ModelId model,
      Routing routing,
      Verification.Redundant mode,
      List<Address> candidates,
      java.util.function.Function<Address, R> once) {
    List<Address> chosen = candidates.stream().filter(routing::allows).toList();
    if (chosen.size() < mode.providers()) {
      throw new NoProviderAvailableException(
          model,
          mode
              + " needs "
              + mode.providers()
              + " eligible providers, only "
              + chosen.size()
              + " offer it",
          List.of());
    }
    List<Address> asked = chosen.subList(0, mode.providers());
    List<R> answers = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<R>> running = new ArrayList<>();
      for (Address p : asked) {
        running.add(pool.submit(() -> once.apply(p)));
      }
      for (int i = 0; i < running.size(); i++) {
        try {
          answers.add(running.get(i).get());
        } catch (java.util.concurrent.ExecutionException e) {
          failures.add(asked.get(i) + ": " + e.getCause().getMessage());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for " + mode, e);
        }
      }
    }
    if (answers.isEmpty()) {
      throw new NoProviderAvailableException(
          model, "none of the " + mode.providers() + " providers answered", List.of());
    }
    return new FanOut<>(answers, failures);
  }

  /** Runs a text generation once on a provider the routing allows; throws when none answers. */
  interface TextRunner extends BiFunction<TextGeneration, Routing, TextResult> {}

  /**
   * Runs a seeded text generation under {@code mode}: re-runs compare token for token ({@link
   * TextOutput#agreesWith}, both ways); a mismatch opens a dispute over the two final checkpoints
   * with the {@code TextRequest} and {@code TextOutput} encodings their hashes cover.
   */
  TextResult runText(
      ModelId model,
      TextGeneration g,
      Routing routing,
      Verification mode,
      TextRunner once,
      java.util.function.Supplier<List<Address>> candidates) {
    return switch (mode) {
      case Verification.None none -> once.apply(g, routing);
      case Verification.Sampled s -> sampledText(model, g, routing, s, once);
      case Verification.Redundant r -> redundantText(model, g, routing, r, once, candidates.get());
    };
  }

  private TextResult sampledText(
      ModelId model,
      TextGeneration g,
      Routing routing,
      Verification.Sampled mode,
      TextRunner once) {
    return sampledText(model, g, routing, mode, once, once.apply(g, routing));
  }

  /**
   * {@code sampled(p)} for a result already had (e.g. streamed to a caller): draws, and when drawn
   * re-runs {@code g} (seeded as {@code first} was) elsewhere and compares.
   */
  TextResult sampledText(
      ModelId model,
      TextGeneration g,
      Routing routing,
      Verification.Sampled mode,
      TextRunner once,
      TextResult first) {
    boolean drawn;
    synchronized (sampler) {
      drawn = sampler.nextDouble() < mode.probability();
    }
    if (!drawn) {
      return first.withVerification(VerificationReport.notChecked(mode, first.provider()));
    }
    TextResult second;
    try {
      second = once.apply(g, routing.without(first.provider()));
    } catch (NoProviderAvailableException e) {
      return first.withVerification(
          new VerificationReport(
              mode,
              VerificationReport.Outcome.SKIPPED,
              List.of(first.provider()),
              List.of(),
              List.of(),
              "no independent provider answered: " + e.getMessage()));
    }
    List<Address> both = List.of(first.provider(), second.provider());
    if (agree(first, second)) {
      return first.withVerification(
          new VerificationReport(
              mode, VerificationReport.Outcome.AGREED, both, List.of(), List.of(), ""));
    }
    Opened opened = disputeText(model, List.of(first, second));
    return first.withVerification(
        new VerificationReport(
            mode,
            VerificationReport.Outcome.MISMATCH,
            both,
            List.of(second.provider()),
            opened.ids(),
            join(difference(first, second), opened.note())));
  }

  private TextResult redundantText(
      ModelId model,
      TextGeneration g,
      Routing routing,
      Verification.Redundant mode,
      TextRunner once,
      List<Address> candidates) {
    FanOut<TextResult> ran =
        fanOut(model, routing, mode, candidates, p -> once.apply(g, Routing.only(p)));
    // groups of identical answers (same input, same tokens, same end), largest first
    return decide(
        mode,
        ran,
        Agreement.groups(ran.answers(), Verifier::agree),
        TextResult::provider,
        TextResult::withVerification,
        (dissenter, chosen) -> {
          Opened opened = disputeText(model, List.of(dissenter, chosen));
          return new Opened(opened.ids(), join(difference(chosen, dissenter), opened.note()));
        });
  }

  /** Same request committed, and each output agrees with the other's run token for token. */
  static boolean agree(TextResult a, TextResult b) {
    return a.request().equals(b.request())
        && a.output().agreesWith(b.output().tokens(), b.output().end())
        && b.output().agreesWith(a.output().tokens(), a.output().end());
  }

  private static String difference(TextResult a, TextResult b) {
    if (!a.request().equals(b.request())) {
      return b.provider() + " committed to another request (prompt tokens or parameters)";
    }
    int at = a.output().firstDifference(b.output().tokens());
    return at >= 0
        ? b.provider() + " differs from token " + at
        : b.provider()
            + " ends differently ("
            + b.output().end()
            + " after "
            + b.output().tokenCount()
            + " tokens)";
  }

  private Opened disputeText(ModelId model, List<TextResult> answers) {
    if (!answers.get(0).request().equals(answers.get(1).request())) {
      return new Opened(
          List.of(), "their receipts cover different inputs: a dispute needs one input hash");
    }
    List<SignedReceipt> receipts = new ArrayList<>();
    List<byte[]> outputs = new ArrayList<>();
    for (TextResult a : answers) {
      if (a.receipt() == null) {
        return new Opened(List.of(), "unpaid answers carry no receipt to dispute");
      }
      receipts.add(a.receipt());
      outputs.add(a.output().encode());
    }
    return dispute(
        model,
        answers.get(0).request().encode(),
        receipts,
        outputs,
        answers.stream().map(TextResult::provider).toList());
  }

  private record Opened(List<Long> ids, String note) {}

  /**
   * Opens a dispute over one paid answer the caller knows to be wrong (e.g. an adapter's canary):
   * its receipt, the canonical input and the output bytes the receipt covers; the bond paid, the
   * committee drawn once the anchor block is mined.
   *
   * @throws InferenceException when the dispute cannot be opened (the reason in the message)
   */
  long disputeAnswer(InferenceResult answer, List<Tensor> inputs) {
    if (!answer.paid()) {
      throw new IllegalArgumentException("an unpaid answer carries no receipt to dispute");
    }
    byte[] input = CanonicalTensors.encode(inputs);
    byte[] output = CanonicalTensors.encode(answer.outputs());
    Opened o =
        dispute(
            answer.receipt().receipt().modelId(),
            input,
            List.of(answer.receipt()),
            List.of(output),
            List.of(answer.provider()));
    if (o.ids().isEmpty()) {
      throw new InferenceException(o.note());
    }
    return o.ids().get(0);
  }

  /**
   * Opens a dispute over the receipts of {@code answers} (one input, different outputs), paying the
   * bond. A dispute that cannot be opened (too large for the chain, no receipt, a revert) is
   * reported in the note, not thrown: the caller still gets its answer.
   */
  private Opened dispute(LaneCaller.Request request, List<InferenceResult> answers) {
    List<SignedReceipt> receipts = new ArrayList<>();
    List<byte[]> outputs = new ArrayList<>();
    for (InferenceResult a : answers) {
      if (a.receipt() == null) {
        return new Opened(List.of(), "unpaid answers carry no receipt to dispute");
      }
      receipts.add(a.receipt());
      outputs.add(CanonicalTensors.encode(a.outputs()));
    }
    return dispute(
        request.model(),
        request.input(),
        receipts,
        outputs,
        answers.stream().map(InferenceResult::provider).toList());
  }

  /**
   * Opens a dispute over {@code receipts} for one {@code input} with the claimed {@code outputs}
   * (the bytes their output hashes cover), paying the bond; failures go to the note.
   */
  private Opened dispute(
      ModelId model,
      byte[] input,
      List<SignedReceipt> receipts,
      List<byte[]> outputs,
      List<Address> who) {
    try {
      DisputeParams params = chain.params().disputeParams();
      long size = input.length + outputs.stream().mapToLong(o -> o.length).sum();
      if (size > params.maxDisputeBytes()) {
        return new Opened(
            List.of(),
            "input and outputs hold "
                + size
                + " bytes, above the "
                + params.maxDisputeBytes()
                + " a dispute may carry on-chain; the receipts stay proof off-chain");
      }
      TokenAmount bond = params.disputeBond();
      var disputes = chain.disputes();
      synchronized (this) { // one approval at a time for this wallet
        if (chain.token().allowance(chain.account(), disputes.address()).compareTo(bond) < 0) {
          chain.token().approve(disputes.address(), bond);
        }
        long id = disputes.open(receipts, input, outputs);
        LOG.warn("opened dispute {} over model {}: {} disagree", id, model, who);
        drawWhenAnchored(id);
        return new Opened(List.of(id), "");
      }
    } catch (RuntimeException e) {
      LOG.error("could not open a dispute over {}: {}", model, e.getMessage());
      return new Opened(List.of(), "could not open a dispute: " + e.getMessage());
    }
  }

  /**
   * Draws the dispute's committee once its anchor block (the one after the opening block) is mined,
   * on a virtual thread, polling the chain head once a second for at most {@link #DRAW_PATIENCE}.
   * Anyone may draw; a dispute someone else drew ({@code WrongPhase}) ends the wait.
   */
  private void drawWhenAnchored(long id) {
    Thread drawer =
        Thread.ofVirtual()
            .name("draw-dispute-" + id)
            .unstarted(
                () -> {
                  try {
                    drawLoop(id);
                  } finally {
                    drawers.remove(Thread.currentThread());
                  }
                });
    drawers.add(drawer);
    drawer.start();
  }

  private void drawLoop(long id) {
    long deadline = System.nanoTime() + DRAW_PATIENCE.toNanos();
    var disputes = chain.disputes();
    while (!closed && System.nanoTime() < deadline) {
      try {
        var d = disputes.dispute(id);
        if (d.phase() != io.verinfer.chain.facade.DisputeManagerFacade.Phase.DRAWING) {
          return;
        }
        long head = chain.web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
        if (head > d.anchorBlock()) {
          disputes.drawCommittee(id);
          LOG.info("drew the committee of dispute {}", id);
          return;
        }
      } catch (io.verinfer.chain.ContractRevertException e) {
        if ("WrongPhase".equals(e.errorName())) {
          return; // drawn by someone else
        }
        LOG.info("drawing dispute {} not yet possible: {}", id, e.getMessage());
      } catch (java.io.IOException | RuntimeException e) {
        LOG.info("drawing dispute {}: {}", id, e.getMessage());
      }
      try {
        Thread.sleep(1_000);
      } catch (InterruptedException e) {
        return; // closing
      }
    }
    if (!closed) {
      LOG.warn("gave up drawing dispute {} after {}; anyone may still draw it", id, DRAW_PATIENCE);
    }
  }

  /** Stops waiting drawers (their disputes can still be drawn by anyone). */
  @Override
  public void close() {
    closed = true;
    drawers.forEach(Thread::interrupt);
  }

  /** The model's tolerance from ModelRegistry, read once per model. */
  private long tolerance(ModelId model) {
    return tolerances.computeIfAbsent(model, m -> chain.models().model(m).tolerancePpm());
  }

  private static String join(String a, String b) {
    if (a.isEmpty()) {
      return b;
    }
    return b.isEmpty() ? a : a + "; " + b;
  }
}
