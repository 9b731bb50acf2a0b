package io.cutover.proxy.server.config;

import com.typesafe.config.Config;
import io.cutover.proxy.server.security.TlsEngine;
import java.util.function.Supplier;

/**
 * {@code tls.engine}, checked when read and settled the first time a TLS context needs it, so that a
 * proxy without TLS (the embedded demo, say) never loads the native library nor fails on it.
 */
final class TlsEngineSetting implements Supplier<TlsEngine> {
    static final String KEY = "tls.engine";

    private final TlsEngineChoice choice;
    private final TlsEngine.Availability openSsl;
    private TlsEngine engine;

    TlsEngineSetting(Config root, TlsEngine.Availability openSsl) {
        String value = root.getString(KEY);
        this.choice = TlsEngineChoice.parse(value);
        if (choice == null) {
            throw new ConfigError(ProxyConfigLoader.key(KEY) + " is \"" + value + "\"; use auto, openssl or jdk");
        }
        this.openSsl = openSsl;
    }

    @Override
    public TlsEngine get() {
        if (engine == null) {
            try {
                engine = TlsEngine.resolve(choice, openSsl);
            } catch (TlsEngine.OpenSslUnavailableException e) {
                throw new ConfigError(ProxyConfigLoader.key(KEY) + " is openssl, but " + e.getMessage()
                    + "; set it to auto to use the JDK's engine where OpenSSL does not load, or to jdk", e);
            }
        }
        return engine;
    }
}
