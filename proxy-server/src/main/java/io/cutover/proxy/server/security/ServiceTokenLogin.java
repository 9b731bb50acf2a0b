package io.cutover.proxy.server.security;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.auth.SaslExtensions;
import org.apache.kafka.common.security.auth.SaslExtensionsCallback;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerTokenCallback;

/**
 * The login callback of the Kafka clients the proxy runs itself (discovery, gates, switches, offset
 * syncs) towards an OAUTHBEARER cluster: it hands them the token the proxy holds for its service
 * OAuth client, so they and the proxy's own links share one token and one token endpoint, and no
 * Kafka client needs the endpoint's URL allowed by a JVM-wide setting. Kafka builds this class by
 * name; the tokens reach it through the client config, under {@link #TOKENS}.
 */
public final class ServiceTokenLogin implements AuthenticateCallbackHandler {
    /** The client config key whose value is the {@link BearerTokens} to log in with (an object, never a string). */
    static final String TOKENS = "cutover.proxy.oauthbearer.tokens";

    /** Not a JWT: a broker refuses it at once. */
    static final String PLACEHOLDER = "no-token-yet";
    static final long PLACEHOLDER_LIFETIME_MS = 5_000;

    private BearerTokens tokens;

    @Override
    public void configure(Map<String, ?> configs, String saslMechanism, List<AppConfigurationEntry> jaasConfigEntries) {
        if (!(configs.get(TOKENS) instanceof BearerTokens t)) {
            throw new IllegalArgumentException(TOKENS + " must hold the proxy's BearerTokens");
        }
        tokens = t;
    }

    @Override
    public void handle(Callback[] callbacks) throws IOException, UnsupportedCallbackException {
        for (Callback cb : callbacks) {
            if (cb instanceof OAuthBearerTokenCallback token) {
                token.token(current());
            } else if (cb instanceof SaslExtensionsCallback extensions) {
                extensions.extensions(SaslExtensions.empty());
            } else {
                throw new UnsupportedCallbackException(cb);
            }
        }
    }

    /**
     * The token to log in with. Kafka's login thread, not an event loop, so it may wait for a fetch
     * when the held token is due. With no valid token at all it hands Kafka a placeholder the broker
     * refuses, good for {@link #PLACEHOLDER_LIFETIME_MS}: Kafka builds its clients only after a
     * successful login, and an identity provider that is down must not stop the proxy's start (the
     * other cluster's clients are served); Kafka's login thread asks again when the placeholder ends,
     * and the failure itself is logged, and shown by /health, where the token is fetched.
     */
    private org.apache.kafka.common.security.oauthbearer.OAuthBearerToken current() {
        BearerTokens.Token t;
        try {
            t = tokens.fresh();
        } catch (IOException e) {
            t = tokens.now();
        }
        if (t != null) {
            return new SaslClients.HeldToken(t.value(), t.principal(), t.issuedMs(), t.expiresMs()).bearer();
        }
        long now = System.currentTimeMillis();
        return new SaslClients.HeldToken(PLACEHOLDER, tokens.origin(), now, now + PLACEHOLDER_LIFETIME_MS).bearer();
    }

    @Override
    public void close() {
    }
}
