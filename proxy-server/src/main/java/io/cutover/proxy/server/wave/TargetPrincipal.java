package io.cutover.proxy.server.wave;

import io.cutover.proxy.server.config.ClusterSecurityConfig;
import io.cutover.proxy.server.config.IdentityMode;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Whom the target's authorizer and quotas see behind a client principal's requests once a wave has
 * switched, under the target's identity mode ({@code clusters.target.security.identity}): under
 * mapped, the user {@code identity.mapping-file} names for the principal there; under passthrough,
 * the client's own login; under service, the proxy's own user, for every client. The access gates
 * judge that user: the name a client logged in to the proxy with reaches the target only when the
 * two coincide.
 *
 * @param mappedUsers client principal to its user on the target (mapped only)
 * @param serviceUser the proxy's own user on the target; null when the proxy cannot name it (a TLS
 *     client certificate, whose subject the broker maps by rules the proxy does not know)
 */
public record TargetPrincipal(IdentityMode mode, Map<String, String> mappedUsers, String serviceUser) {
    /** Kafka's principal for a connection that does not authenticate (PLAINTEXT, or SSL without a client certificate). */
    static final String ANONYMOUS = "ANONYMOUS";

    public TargetPrincipal {
        mappedUsers = Map.copyOf(mappedUsers);
    }

    public static TargetPrincipal of(ClusterSecurityConfig target) {
        Map<String, String> users = new TreeMap<>();
        target.mapped().forEach((principal, credentials) -> users.put(principal, credentials.username()));
        String service = target.usesSasl() ? target.sasl().username() : target.key() == null ? ANONYMOUS : null;
        return new TargetPrincipal(target.identity(), users, service);
    }

    /**
     * The user the target sees for {@code clientPrincipal}'s requests; empty under mapped when the
     * mapping names no user there (its login on the target's ports is refused), and under service when
     * the proxy's own user has no name the proxy knows.
     */
    public Optional<String> userFor(String clientPrincipal) {
        return switch (mode) {
            case MAPPED -> Optional.ofNullable(mappedUsers.get(clientPrincipal));
            case PASSTHROUGH -> Optional.of(clientPrincipal);
            case SERVICE -> Optional.ofNullable(serviceUser);
        };
    }

    /** Under service one user carries every client, so its rights and quotas are the wave's clients' together. */
    public boolean shared() {
        return mode == IdentityMode.SERVICE;
    }

    /** For evidence: {@code alice}, or {@code alice (as orders-app on the target, identity mapped)} where the names differ. */
    public String describe(String clientPrincipal) {
        Optional<String> user = userFor(clientPrincipal);
        if (user.isPresent() && user.get().equals(clientPrincipal)) {
            return clientPrincipal;
        }
        String as = user.map(u -> "as " + u).orElse(mode == IdentityMode.MAPPED ? "with no user in identity.mapping-file"
            : "as the proxy's own user");
        return clientPrincipal + " (" + as + " on the target, identity " + mode.configName() + ")";
    }
}
