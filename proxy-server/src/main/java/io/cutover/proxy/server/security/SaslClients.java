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
 * OAUTHBEARER for a client's own token passed through (the token travels as the password).
 */
final class SaslClients {
    private SaslClients() {
    }

    static SaslClient create(SaslCredentials credentials, String serverName) throws SaslException {
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
            return new OAuthBearerSaslClient(new PassedToken(credentials));
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

    /** Hands Kafka's OAUTHBEARER client the token a client logged in with, as it is; no SASL extensions. */
    private record PassedToken(SaslCredentials credentials) implements AuthenticateCallbackHandler {
        @Override
        public void configure(java.util.Map<String, ?> configs, String saslMechanism,
                              java.util.List<javax.security.auth.login.AppConfigurationEntry> jaasConfigEntries) {
        }

        @Override
        public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
            for (Callback cb : callbacks) {
                if (cb instanceof OAuthBearerTokenCallback token) {
                    token.token(new OAuthBearerToken() {
                        @Override
                        public String value() {
                            return credentials.password().value();
                        }

                        @Override
                        public java.util.Set<String> scope() {
                            return java.util.Set.of();
                        }

                        @Override
                        public long lifetimeMs() {
                            return Long.MAX_VALUE; // the cluster judges the token's expiry, not the proxy
                        }

                        @Override
                        public String principalName() {
                            return credentials.username();
                        }

                        @Override
                        public Long startTimeMs() {
                            return null;
                        }
                    });
                } else if (cb instanceof SaslExtensionsCallback extensions) {
                    extensions.extensions(SaslExtensions.empty());
                } else {
                    throw new UnsupportedCallbackException(cb);
                }
            }
        }

        @Override
        public void close() {
        }
    }
}
