package io.verinfer.client;

import io.verinfer.protocol.Address;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Which providers one call may use. Among those, the client picks by price, then by measured
 * latency.
 *
 * @param only the providers allowed; empty allows every eligible provider
 * @param except providers never used, even when {@code only} names them (e.g. the provider a
 *     sampled check must be independent of)
 */
public record Routing(Set<Address> only, Set<Address> except) {
  private static final Routing ANY = new Routing(Set.of());

  /** Copies the sets; no element may be null. */
  public Routing {
    only = Set.copyOf(Objects.requireNonNull(only, "only must not be null"));
    except = Set.copyOf(Objects.requireNonNull(except, "except must not be null"));
  }

  /** Only the providers in {@code only} (any when empty). */
  public Routing(Set<Address> only) {
    this(only, Set.of());
  }

  /** Any eligible provider. */
  public static Routing any() {
    return ANY;
  }

  /** Only the given providers (at least one). */
  public static Routing only(Address... providers) {
    if (providers.length == 0) {
      throw new IllegalArgumentException("name at least one provider, or use Routing.any()");
    }
    return new Routing(Set.copyOf(Arrays.asList(providers)));
  }

  /**
   * The providers written as addresses (surrounding blanks ignored); any provider when none is
   * given.
   *
   * @throws IllegalArgumentException naming the first value that is not an address
   */
  public static Routing parse(Collection<String> providers) {
    if (providers.isEmpty()) {
      return ANY;
    }
    List<Address> addresses = new ArrayList<>();
    for (String p : providers) {
      try {
        addresses.add(Address.of(p.strip()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(p + " is not an address: " + e.getMessage(), e);
      }
    }
    return new Routing(Set.copyOf(addresses));
  }

  /** Whether a call may go to {@code provider}. */
  public boolean allows(Address provider) {
    return (only.isEmpty() || only.contains(provider)) && !except.contains(provider);
  }

  /** This routing, never using {@code provider}. */
  public Routing without(Address provider) {
    Set<Address> more = new java.util.HashSet<>(except);
    more.add(Objects.requireNonNull(provider, "provider must not be null"));
    return new Routing(only, more);
  }
}
