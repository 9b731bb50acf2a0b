package io.cutover.proxy.server.security;

import io.cutover.proxy.server.config.TlsEngineChoice;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

/**
 * The TLS implementation every context of this proxy is built with, settled once at start from
 * {@code tls.engine} and whether netty-tcnative's native library loads here. {@code description}
 * says which and why, for the start log.
 */
public record TlsEngine(SslProvider provider, String description) {
    /** Whether OpenSSL can be used here, and why not; {@link #NATIVE} asks netty-tcnative. */
    public interface Availability {
        boolean available();

        /** Why it is not available; null when it is. */
        Throwable cause();

        /** What is loaded, e.g. "BoringSSL, netty-tcnative 2.0.84.Final". */
        String version();
    }

    public static final Availability NATIVE = new Availability() {
        @Override
        public boolean available() {
            return OpenSsl.isAvailable();
        }

        @Override
        public Throwable cause() {
            return OpenSsl.unavailabilityCause();
        }

        @Override
        public String version() {
            String tcnative = tcnativeVersion();
            return OpenSsl.versionString() + (tcnative == null ? "" : ", netty-tcnative " + tcnative);
        }
    };

    /**
     * The engine {@code choice} means here.
     *
     * @throws OpenSslUnavailableException when {@code choice} is OPENSSL and it does not load
     */
    public static TlsEngine resolve(TlsEngineChoice choice, Availability openSsl) {
        String setting = "tls.engine = " + choice.configName();
        return switch (choice) {
            case JDK -> new TlsEngine(SslProvider.JDK, "JDK (" + setting + ")");
            case OPENSSL -> {
                if (!openSsl.available()) {
                    throw new OpenSslUnavailableException(reason(openSsl.cause()));
                }
                yield openSsl(openSsl, setting);
            }
            case AUTO -> openSsl.available() ? openSsl(openSsl, setting)
                : new TlsEngine(SslProvider.JDK, "JDK (" + setting + "; OpenSSL does not load here: " + reason(openSsl.cause()) + ")");
        };
    }

    /**
     * Not the reference-counted OPENSSL_REFCNT: a context replaced by a certificate reload may still
     * serve open connections, and the garbage collector frees its native memory once none does.
     */
    private static TlsEngine openSsl(Availability openSsl, String setting) {
        return new TlsEngine(SslProvider.OPENSSL, "OpenSSL (" + openSsl.version() + "; " + setting + ")");
    }

    /** "openssl" or "jdk", as the metric's label says it. */
    public String label() {
        return provider == SslProvider.JDK ? "jdk" : "openssl";
    }

    private static String reason(Throwable cause) {
        if (cause == null) {
            return "no reason given";
        }
        // The first cause is often a generic wrapper; the last one names the missing library or class.
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == cause ? cause.toString() : cause + " (" + root + ")";
    }

    /** The netty-tcnative release on the class path, from its jar's manifest; null when unknown. */
    private static String tcnativeVersion() {
        try {
            Package p = Class.forName("io.netty.internal.tcnative.SSL", false, TlsEngine.class.getClassLoader()).getPackage();
            return p == null ? null : p.getImplementationVersion();
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    /** tls.engine = openssl where OpenSSL does not load. */
    public static final class OpenSslUnavailableException extends RuntimeException {
        OpenSslUnavailableException(String reason) {
            super("OpenSSL does not load here: " + reason);
        }
    }
}
