package io.verinfer.node.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads a server-sent event stream strictly: {@code data:} events, comments, blank separators. */
final class SseEvents implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  /** One {@code data:} event and when it arrived. */
  record Event(String data, long arrivedNanos) {
    boolean done() {
      return data.equals("[DONE]");
    }

    JsonNode json() {
      try {
        return JSON.readTree(data);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + data, e);
      }
    }
  }

  private final BufferedReader in;

  SseEvents(InputStream in) {
    this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
  }

  /** The next data event, or null at the end of the stream. */
  Event next() throws IOException {
    while (true) {
      String line = in.readLine();
      if (line == null) {
        return null;
      }
      if (line.isEmpty() || line.startsWith(":")) {
        continue;
      }
      if (!line.startsWith("data: ")) {
        throw new IllegalStateException("not an SSE data line: " + line);
      }
      long at = System.nanoTime();
      String blank = in.readLine();
      if (blank == null || !blank.isEmpty()) {
        throw new IllegalStateException("an event must end with a blank line, got " + blank);
      }
      return new Event(line.substring(6), at);
    }
  }

  /** Every event up to and including {@code [DONE]} (or the end of the stream). */
  List<Event> all() throws IOException {
    List<Event> events = new ArrayList<>();
    Event e;
    while ((e = next()) != null) {
      events.add(e);
      if (e.done()) {
        break;
      }
    }
    return events;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
