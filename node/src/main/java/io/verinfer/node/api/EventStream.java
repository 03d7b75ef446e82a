package io.verinfer.node.api;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A server-sent event stream on one response: each {@link #send} writes {@code data: …\n\n} and
 * flushes it, so the client sees every event as it is written. Writing straight to the servlet
 * stream bypasses Javalin's compression, which would hold events back. A failed write means the
 * client went away: every later send returns false.
 */
final class EventStream {
  private final OutputStream out;
  private boolean broken;

  private EventStream(OutputStream out) {
    this.out = out;
  }

  static EventStream open(Context ctx) {
    ctx.status(200);
    ctx.res().setContentType("text/event-stream");
    ctx.res().setCharacterEncoding("utf-8");
    ctx.res().setHeader("Cache-Control", "no-cache");
    ctx.res().setHeader("X-Accel-Buffering", "no");
    try {
      EventStream s = new EventStream(ctx.res().getOutputStream());
      ctx.res().flushBuffer(); // the headers go now, before anything runs
      return s;
    } catch (IOException e) {
      EventStream s = new EventStream(OutputStream.nullOutputStream());
      s.broken = true;
      return s;
    }
  }

  /** Sends one event; false when the client is gone. */
  boolean send(String json) {
    return write("data: " + json + "\n\n");
  }

  /** A comment line (ignored by clients), keeping the connection busy during a wait. */
  boolean comment(String text) {
    return write(": " + text + "\n\n");
  }

  boolean done() {
    return write("data: [DONE]\n\n");
  }

  boolean broken() {
    return broken;
  }

  private boolean write(String event) {
    if (broken) {
      return false;
    }
    try {
      out.write(event.getBytes(StandardCharsets.UTF_8));
      out.flush();
      return true;
    } catch (IOException | RuntimeException e) {
      broken = true;
      return false;
    }
  }
}
