package io.cutover.proxy.server.testkit;

import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.auth.SaslExtensionsCallback;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerTokenCallback;

/**
 * A Kafka client's OAUTHBEARER login handler for tests: it hands over the JWT given as the JAAS
 * option {@code token} (made and signed by the test), with no token endpoint in between.
 */
public final class StaticJwtLoginHandler implements AuthenticateCallbackHandler {
    private String token;

    @Override
    public void configure(Map<String, ?> configs, String saslMechanism, List<AppConfigurationEntry> jaasConfigEntries) {
        token = (String) jaasConfigEntries.get(0).getOptions().get("token");
    }

    @Override
    public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
        for (Callback c : callbacks) {
            if (c instanceof OAuthBearerTokenCallback t) {
                String value = token;
                t.token(new OAuthBearerToken() {
                    @Override
                    public String value() {
                        return value;
                    }

                    @Override
                    public Set<String> scope() {
                        return Set.of();
                    }

                    @Override
                    public long lifetimeMs() {
                        return System.currentTimeMillis() + 3_600_000;
                    }

                    @Override
                    public String principalName() {
                        return "test";
                    }

                    @Override
                    public Long startTimeMs() {
                        return System.currentTimeMillis();
                    }
                });
            } else if (!(c instanceof SaslExtensionsCallback)) {
                throw new UnsupportedCallbackException(c);
            }
        }
    }

    @Override
    public void close() {
    }
}
