package io.cutover.proxy.server.security;

import io.cutover.proxy.server.config.SaslCredentials;
import io.cutover.proxy.server.config.Secret;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;

/**
 * SASL terminated at the proxy's listeners (listener.sasl): the mechanisms offered and the users
 * they authenticate. Makes one SASL server per authentication: SCRAM (Kafka's own message and key
 * classes, see ScramServer) or PLAIN, both checked against the stored credentials. Immutable.
 */
public final class ListenerSasl {
    public static final String PLAIN = "PLAIN";
    public static final String OAUTHBEARER = "OAUTHBEARER";

    private final List<String> mechanisms;
    private final SaslUsers users;
    private final java.time.Duration sessionLifetime;
    private final boolean acceptOldLibrdkafkaNonce;
    private final JwtLogins jwt;

    public ListenerSasl(List<String> mechanisms, SaslUsers users, java.time.Duration sessionLifetime, boolean acceptOldLibrdkafkaNonce) {
        this(mechanisms, users, sessionLifetime, acceptOldLibrdkafkaNonce, null);
    }

    /** {@code users} may be null when only OAUTHBEARER is offered; {@code jwt} null unless it is. */
    public ListenerSasl(List<String> mechanisms, SaslUsers users, java.time.Duration sessionLifetime, boolean acceptOldLibrdkafkaNonce,
                        JwtLogins jwt) {
        this.mechanisms = List.copyOf(mechanisms);
        this.users = users;
        this.sessionLifetime = sessionLifetime;
        this.acceptOldLibrdkafkaNonce = acceptOldLibrdkafkaNonce;
        this.jwt = jwt;
    }

    /** How long a login holds (KIP-368); zero for as long as the connection. */
    public java.time.Duration sessionLifetime() {
        return sessionLifetime;
    }

    public List<String> mechanisms() {
        return mechanisms;
    }

    public SaslUsers users() {
        return users;
    }

    /** A server for one authentication with {@code mechanism}, which must be one of {@link #mechanisms()}. */
    public SaslServer newServer(String mechanism) throws SaslException {
        return newServer(mechanism, false);
    }

    /**
     * As above; with {@code passthrough} (the connection's cluster is in identity mode passthrough)
     * a PLAIN password is not checked here but kept, to be presented to the cluster, which checks it.
     */
    public SaslServer newServer(String mechanism, boolean passthrough) throws SaslException {
        if (PLAIN.equals(mechanism)) {
            if (!passthrough && users == null) {
                // Never a PLAIN login that nobody checks: without users only a cluster in passthrough may judge it.
                throw new SaslException("PLAIN logins here need listener.sasl.users-file: this cluster does not check them itself");
            }
            return new PlainServer(passthrough ? null : users);
        }
        if (OAUTHBEARER.equals(mechanism)) {
            // Kafka's own OAUTHBEARER server (RFC 7628 messages), with the proxy's JWT checks.
            return new org.apache.kafka.common.security.oauthbearer.internals.OAuthBearerSaslServer(jwt);
        }
        try {
            return new ScramServer(ScramMechanism.forMechanismName(mechanism), users, acceptOldLibrdkafkaNonce);
        } catch (java.security.GeneralSecurityException e) {
            throw new SaslException(mechanism + " is not available in this JVM", e);
        }
    }

    /** True when {@code server} logged in a librdkafka before 2.6.1 by accepting its repeated SCRAM nonce. */
    public static boolean oldLibrdkafkaNonce(SaslServer server) {
        return server instanceof ScramServer s && s.oldLibrdkafkaNonce();
    }

    /**
     * What a completed login hands over to be presented to a cluster in identity mode passthrough:
     * PLAIN's user and password, or OAUTHBEARER's token (as the password); null for SCRAM, which
     * never reveals the password.
     */
    public static SaslCredentials passedThrough(SaslServer server) {
        if (server instanceof PlainServer plain && plain.passedPassword != null) {
            return new SaslCredentials(PLAIN, plain.user, Secret.fromClient(plain.passedPassword, "the PLAIN login of " + plain.user));
        }
        // Kafka's OAUTHBEARER server keeps the token it validated under this property.
        if (OAUTHBEARER.equals(server.getMechanismName()) && server.getNegotiatedProperty(OAUTHBEARER + ".token") instanceof OAuthBearerToken t) {
            return new SaslCredentials(OAUTHBEARER, server.getAuthorizationID(), Secret.fromClient(t.value(), "the OAUTHBEARER token of "
                + server.getAuthorizationID()));
        }
        return null;
    }

    /**
     * SASL/PLAIN (RFC 4616): one message, [authzid] NUL authcid NUL password. Without users, the
     * password is kept for the cluster to check (identity mode passthrough) rather than checked here.
     */
    private static final class PlainServer implements SaslServer {
        private final SaslUsers users;
        private String user;
        private String passedPassword;

        PlainServer(SaslUsers users) {
            this.users = users;
        }

        @Override
        public String getMechanismName() {
            return PLAIN;
        }

        @Override
        public byte[] evaluateResponse(byte[] response) throws SaslException {
            String[] parts = new String(response, StandardCharsets.UTF_8).split("\u0000", -1);
            if (parts.length != 3 || parts[1].isEmpty()) {
                throw new SaslException("Invalid SASL/PLAIN message: expected authzid, user and password separated by NUL");
            }
            if (!parts[0].isEmpty() && !parts[0].equals(parts[1])) {
                throw new SaslException("Authentication failed: authorization id " + parts[0] + " is not the user " + parts[1]);
            }
            if (users == null) {
                passedPassword = parts[2];
            } else if (!users.passwordMatches(parts[1], parts[2])) {
                throw new SaslException("Authentication failed: Invalid username or password");
            }
            user = parts[1];
            return new byte[0];
        }

        @Override
        public boolean isComplete() {
            return user != null;
        }

        @Override
        public String getAuthorizationID() {
            return user;
        }

        @Override
        public byte[] unwrap(byte[] incoming, int offset, int len) {
            throw new IllegalStateException("SASL/PLAIN has no security layer");
        }

        @Override
        public byte[] wrap(byte[] outgoing, int offset, int len) {
            throw new IllegalStateException("SASL/PLAIN has no security layer");
        }

        @Override
        public Object getNegotiatedProperty(String propName) {
            return null;
        }

        @Override
        public void dispose() {
            passedPassword = null;
        }
    }
}
