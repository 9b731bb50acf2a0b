package io.cutover.proxy.server.security;

import io.cutover.proxy.server.config.SaslCredentials;
import java.security.NoSuchAlgorithmException;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.sasl.Sasl;
import javax.security.sasl.SaslClient;
import javax.security.sasl.SaslException;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.auth.SaslExtensions;
import org.apache.kafka.common.security.auth.SaslExtensionsCallback;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerTokenCallback;
import org.apache.kafka.common.security.oauthbearer.internals.OAuthBearerSaslClient;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramSaslClient;

/**
 * SASL clients for the mechanisms the proxy speaks: the JDK's PLAIN, Kafka's SCRAM, and Kafka's
 * OAUTHBEARER, either with a client's own token passed through (the token travels as the password)
 * or with the token the proxy holds for an OAuth client ({@link BearerTokens}).
 */
final class SaslClients {
    private SaslClients() {
    }

    /** {@code tokens}: where an OAUTHBEARER grant's tokens are held; null for every other kind of credentials. */
    static SaslClient create(SaslCredentials credentials, BearerTokens tokens, String serverName) throws SaslException {
        CallbackHandler callbacks = (Callback[] cbs) -> {
            for (Callback cb : cbs) {
                if (cb instanceof NameCallback name) {
                    name.setName(credentials.username());
                } else if (cb instanceof PasswordCallback password) {
                    password.setPassword(credentials.password().value().toCharArray());
                } else {
                    throw new UnsupportedCallbackException(cb);
                }
            }
        };
        if (credentials.mechanism().equals("PLAIN")) {
            SaslClient plain = Sasl.createSaslClient(new String[] {"PLAIN"}, null, "kafka", serverName, null, callbacks);
            if (plain == null) {
                throw new SaslException("this JDK offers no SASL PLAIN client");
            }
            return plain;
        }
        if (credentials.mechanism().equals(ListenerSasl.OAUTHBEARER)) {
            if (credentials.grant() != null) {
                if (tokens == null) {
                    throw new SaslException("no token source for " + credentials.grant());
                }
                BearerTokens.Token held = tokens.now();
                if (held == null) {
                    // Without a valid token, a login could only be refused: say why instead.
                    throw new SaslException(tokens.lastFailure());
                }
                return new OAuthBearerSaslClient(new HeldToken(held.value(), held.principal(), held.issuedMs(), held.expiresMs()));
            }
            return new OAuthBearerSaslClient(new HeldToken(credentials.password().value(), credentials.username(), null, Long.MAX_VALUE));
        }
        ScramMechanism scram = ScramMechanism.forMechanismName(credentials.mechanism());
        if (scram == null) {
            throw new SaslException("unsupported SASL mechanism " + credentials.mechanism());
        }
        try {
            return new ScramSaslClient(scram, callbacks);
        } catch (NoSuchAlgorithmException e) {
            throw new SaslException("this JDK lacks the hash of " + credentials.mechanism(), e);
        }
    }

    /**
     * Hands Kafka's OAUTHBEARER client one token, with no SASL extensions: a client's own, passed
     * through (its expiry is then the cluster's to judge: {@code lifetimeMs} MAX_VALUE), or one the
     * proxy fetched for an OAuth client.
     */
    record HeldToken(String value, String principal, Long startMs, long lifetimeMs) implements AuthenticateCallbackHandler {
        @Override
        public void configure(java.util.Map<String, ?> configs, String saslMechanism,
                              java.util.List<javax.security.auth.login.AppConfigurationEntry> jaasConfigEntries) {
        }

        @Override
        public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
            for (Callback cb : callbacks) {
                if (cb instanceof OAuthBearerTokenCallback token) {
                    token.token(bearer());
                } else if (cb instanceof SaslExtensionsCallback extensions) {
                    extensions.extensions(SaslExtensions.empty());
                } else {
                    throw new UnsupportedCallbackException(cb);
                }
            }
        }

        OAuthBearerToken bearer() {
            return new OAuthBearerToken() {
                @Override
                public String value() {
                    return value;
                }

                @Override
                public java.util.Set<String> scope() {
                    return java.util.Set.of();
                }

                @Override
                public long lifetimeMs() {
                    return lifetimeMs;
                }

                @Override
                public String principalName() {
                    return principal;
                }

                @Override
                public Long startTimeMs() {
                    return startMs;
                }
            };
        }

        @Override
        public void close() {
        }

        @Override
        public String toString() {
            return "token of " + principal; // never the token itself
        }
    }
}
