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
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramSaslClient;

/** SASL clients for the mechanisms the proxy speaks: the JDK's PLAIN, Kafka's SCRAM. */
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
}
