package io.cutover.proxy.server.config;

import java.util.Locale;

/** Which TLS implementation the proxy's TLS contexts use ({@code tls.engine}); resolved against what loads on this machine. */
public enum TlsEngineChoice {
    /** OpenSSL where its native library loads, the JDK's engine otherwise. */
    AUTO,
    /** OpenSSL, or no start at all: for an operator who measured it and will not silently lose it. */
    OPENSSL,
    /** The JDK's SSLEngine, even where OpenSSL loads. */
    JDK;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The choice {@code value} names; null when it names none. */
    static TlsEngineChoice parse(String value) {
        for (TlsEngineChoice c : values()) {
            if (c.configName().equals(value.trim().toLowerCase(Locale.ROOT))) {
                return c;
            }
        }
        return null;
    }
}
