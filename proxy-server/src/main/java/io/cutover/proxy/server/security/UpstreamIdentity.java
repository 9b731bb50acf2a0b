package io.cutover.proxy.server.security;

import io.cutover.proxy.server.config.IdentityMode;
import io.cutover.proxy.server.config.SaslCredentials;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import javax.security.sasl.SaslServer;

/**
 * Whom a client's connection to a cluster authenticates as, settled once, when the client has
 * logged in to the proxy (listener.sasl), from the cluster's identity mode. The connection then
 * serves that client alone: it is opened for the client's connection, authenticated once, and
 * closed with it, so two principals never share an authenticated connection.
 */
public sealed interface UpstreamIdentity {
    /** The cluster's service credential (identity mode service, or a cluster without SASL). */
    record Service() implements UpstreamIdentity {
    }

    /**
     * The client's own user on the cluster: its mapped user ({@code mode} mapped) or its own login
     * (passthrough). The client's login is answered once the cluster has authenticated these
     * credentials, so a user the cluster refuses is a refused login, not a connection that breaks later.
     */
    record As(SaslCredentials credentials, IdentityMode mode) implements UpstreamIdentity {
    }

    /** The client cannot reach the cluster as itself; {@code reason} names the principal, never a secret. */
    record Refused(String reason) implements UpstreamIdentity {
    }

    /** Settles it for {@code principal}, which {@code server} (complete, not yet disposed) logged in. */
    static UpstreamIdentity of(ClusterSecurity security, String principal, SaslServer server) {
        if (!security.config().usesSasl()) {
            return new Service();
        }
        return switch (security.identity()) {
            case SERVICE -> new Service();
            case MAPPED -> {
                SaslCredentials mapped = security.mappedCredentials(principal);
                yield mapped == null ? new Refused("principal " + principal + " has no user on cluster " + security.cluster()
                    + " in identity.mapping-file (identity mode mapped)") : new As(mapped, IdentityMode.MAPPED);
            }
            case PASSTHROUGH -> {
                SaslCredentials own = ListenerSasl.passedThrough(server);
                // The cluster has the last word: PLAIN's password is not checked here at all, and a token it refuses must refuse the login.
                yield own == null ? new Refused(server.getMechanismName() + " hands the proxy no password or token to pass on to cluster "
                    + security.cluster() + " (identity mode passthrough)") : new As(own, IdentityMode.PASSTHROUGH);
            }
        };
    }

    /**
     * A KIP-368 re-login on a passthrough connection is checked against no user store, and the
     * cluster is not asked again (its connection stays authenticated as it was): a PLAIN re-login
     * must carry the very password the cluster accepted. True when {@code again} (complete) does, or
     * when there is nothing passed through to compare with.
     */
    static boolean sameSecretAgain(SaslCredentials first, SaslServer again) {
        SaslCredentials now = ListenerSasl.passedThrough(again);
        if (first == null || now == null || !now.mechanism().equals(ListenerSasl.PLAIN)) {
            return true;
        }
        return MessageDigest.isEqual(first.password().value().getBytes(StandardCharsets.UTF_8),
            now.password().value().getBytes(StandardCharsets.UTF_8));
    }
}
