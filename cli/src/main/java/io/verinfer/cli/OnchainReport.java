package io.verinfer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verinfer.chain.facade.CoordinatorHistory;
import io.verinfer.chain.facade.CoordinatorHistory.Assigned;
import io.verinfer.chain.facade.CoordinatorHistory.Cancelled;
import io.verinfer.chain.facade.CoordinatorHistory.Challenged;
import io.verinfer.chain.facade.CoordinatorHistory.Delivered;
import io.verinfer.chain.facade.CoordinatorHistory.Disputed;
import io.verinfer.chain.facade.CoordinatorHistory.Event;
import io.verinfer.chain.facade.CoordinatorHistory.Fulfilled;
import io.verinfer.chain.facade.CoordinatorHistory.Proposed;
import io.verinfer.chain.facade.CoordinatorHistory.Rejected;
import io.verinfer.chain.facade.CoordinatorHistory.Request;
import io.verinfer.chain.facade.InferenceCoordinatorFacade;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Ticket;
import io.verinfer.client.V2Json;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.web3j.utils.Numeric;

/**
 * How {@code verinfer onchain} shows a request: its state in one line, its events, and its output
 * as Open Inference Protocol tensors (like {@code verinfer infer}), as text or as JSON.
 *
 * @param now the chain's latest block time (a deadline is judged by the chain's clock)
 * @param output the answer's canonical tensor bytes, if the chain holds them
 */
record OnchainReport(Request request, Instant now, Optional<byte[]> output) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static String mode(int mode) {
    return switch (mode) {
      case InferenceCoordinatorFacade.MODE_NONE -> "none";
      case InferenceCoordinatorFacade.MODE_OPTIMISTIC -> "optimistic";
      default -> "mode " + mode;
    };
  }

  static String vrf(TokenAmount amount) {
    return amount.toTokens() + " VRF";
  }

  /** The state in one line, e.g. {@code proposed, window closes at 2025-…Z}. */
  String stateLine() {
    Ticket t = request.ticket();
    return switch (request.state()) {
      case PENDING ->
          t.deadline().isBefore(now)
              ? "pending, overdue since "
                  + t.deadline()
                  + " (anyone may reassign it; the requester may cancel)"
              : "pending, the provider must answer by " + t.deadline();
      case PROPOSED ->
          t.deadline().isBefore(now)
              ? "proposed, window closed at " + t.deadline() + " (anyone may settle to deliver)"
              : "proposed, window closes at " + t.deadline();
      case CHALLENGED -> "challenged, dispute " + request.disputeId();
      case DELIVERED ->
          "delivered"
              + request
                  .last(Fulfilled.class)
                  .map(f -> f.callbackSucceeded() ? " (callback ok)" : " (callback failed)")
                  .orElse("")
              + request
                  .last(Delivered.class)
                  .filter(d -> !d.disputeUntil().isBefore(now))
                  .map(d -> ", disputable until " + d.disputeUntil())
                  .orElse("");
      case DISPUTED ->
          "delivered, disputed: dispute "
              + request.disputeId()
              + " (a guilty verdict slashes the provider; the fee is not refunded)";
      case REJECTED -> "rejected, dispute " + request.disputeId() + " (fee refunded)";
      case CANCELLED -> "cancelled (fee refunded)";
    };
  }

  static String describe(Event e) {
    return switch (e) {
      case Assigned a ->
          String.format(
              Locale.ROOT,
              "%-11s provider %s, fee %s, due %s",
              a.reassigned() ? "reassigned" : "requested",
              a.ticket().provider().value(),
              vrf(a.ticket().fee()),
              a.ticket().deadline());
      case Proposed p -> "proposed    window closes " + p.ticket().deadline();
      case Challenged c -> "challenged  dispute " + c.disputeId() + " by " + c.challenger().value();
      case Delivered d -> "delivered   disputable until " + d.disputeUntil();
      case Disputed d -> "disputed    dispute " + d.disputeId() + " by " + d.challenger().value();
      case Fulfilled f -> "fulfilled   callback " + (f.callbackSucceeded() ? "ok" : "failed");
      case Rejected r -> "rejected    dispute " + r.disputeId() + ", refund " + vrf(r.refund());
      case Cancelled c -> "cancelled   refund " + vrf(c.refund());
    };
  }

  static String kind(Event e) {
    return switch (e) {
      case Assigned a -> a.reassigned() ? "reassigned" : "requested";
      case Proposed p -> "proposed";
      case Challenged c -> "challenged";
      case Delivered d -> "delivered";
      case Disputed d -> "disputed";
      case Fulfilled f -> "fulfilled";
      case Rejected r -> "rejected";
      case Cancelled c -> "cancelled";
    };
  }

  /** The output as a V2 {@code {"outputs":[…]}} body, or why it cannot be shown. */
  String outputText() {
    if (output.isEmpty()) {
      return noOutput();
    }
    try {
      ObjectNode body = JSON.createObjectNode();
      V2Json.putTensors(body, "outputs", CanonicalTensors.decode(output.get()));
      return body.toString();
    } catch (IllegalArgumentException e) {
      return Numeric.toHexString(output.get()) + " (not canonical tensors: " + e.getMessage() + ")";
    }
  }

  private String noOutput() {
    return switch (request.state()) {
      case PENDING -> "(none yet)";
      case REJECTED -> "(rejected: never delivered)";
      case CANCELLED -> "(none: cancelled)";
      default ->
          "(not readable: the fulfil call is not in its transaction's calldata, e.g. sent"
              + " through a contract)";
    };
  }

  void printText(PrintWriter out) {
    Ticket t = request.ticket();
    out.println("request " + request.id() + ": " + stateLine());
    out.println("  model      " + t.model().value() + " (mode " + mode(t.mode()) + ")");
    out.println("  requester  " + t.requester().value());
    out.println("  provider   " + t.provider().value());
    out.println("  fee        " + vrf(t.fee()) + " (max " + vrf(t.maxFee()) + ")");
    out.println("  history");
    for (Event e : request.events()) {
      out.printf(Locale.ROOT, "    block %-8d %s%n", e.block(), describe(e));
      out.println("                   tx " + e.txHash());
    }
    out.println("  output     " + outputText());
  }

  ObjectNode json() {
    Ticket t = request.ticket();
    ObjectNode root = JSON.createObjectNode();
    root.put("id", request.id());
    root.put("state", request.state().name().toLowerCase(Locale.ROOT));
    root.put("summary", stateLine());
    root.put("model", t.model().value());
    root.put("mode", mode(t.mode()));
    root.put("requester", t.requester().value());
    root.put("provider", t.provider().value());
    root.put("fee", t.fee().baseUnits().toString());
    root.put("maxFee", t.maxFee().baseUnits().toString());
    root.put("deadline", t.deadline().toString());
    if (request.disputeId() != 0) {
      root.put("disputeId", request.disputeId());
    }
    request
        .last(Fulfilled.class)
        .ifPresent(f -> root.put("callbackSucceeded", f.callbackSucceeded()));
    ArrayNode events = root.putArray("events");
    for (Event e : request.events()) {
      ObjectNode node = events.addObject();
      node.put("event", kind(e));
      node.put("block", e.block());
      node.put("tx", e.txHash());
      switch (e) {
        case Assigned a -> {
          node.put("provider", a.ticket().provider().value());
          node.put("fee", a.ticket().fee().baseUnits().toString());
          node.put("deadline", a.ticket().deadline().toString());
        }
        case Proposed p -> node.put("windowClosesAt", p.ticket().deadline().toString());
        case Challenged c -> node.put("disputeId", c.disputeId());
        case Delivered d -> node.put("disputeUntil", d.disputeUntil().toString());
        case Disputed d -> node.put("disputeId", d.disputeId());
        case Fulfilled f -> node.put("callbackSucceeded", f.callbackSucceeded());
        case Rejected r -> node.put("disputeId", r.disputeId());
        case Cancelled c -> node.put("refund", c.refund().baseUnits().toString());
      }
    }
    output.ifPresent(
        bytes -> {
          try {
            List<Tensor> tensors = CanonicalTensors.decode(bytes);
            ObjectNode body = JSON.createObjectNode(); // whole or not at all
            V2Json.putTensors(body, "outputs", tensors);
            root.set("outputs", body.get("outputs"));
          } catch (IllegalArgumentException e) {
            root.put("outputHex", Numeric.toHexString(bytes));
            root.put("outputError", e.getMessage());
          }
        });
    return root;
  }

  /** Whether the request has an answer or an end (the point where {@code --wait} stops). */
  static boolean answered(Request r) {
    return r.state() != CoordinatorHistory.State.PENDING;
  }
}
