package io.cutover.proxy.server.config;

import com.typesafe.config.Config;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads the TLS file settings that the listener and the clusters share: a certificate and key (PEM
 * files or a key store), the CAs to trust (a PEM bundle or a trust store), and the passwords that
 * unlock them (from an environment variable or a file). Blank and missing keys are both "not set".
 * Files are checked here, at start, so a typo in a path is a config error and not a failed handshake
 * an hour later.
 */
final class TlsSettingsReader {
    static final Set<String> STORE_TYPES = Set.of("PKCS12", "JKS");

    private final Config root;
    private final Function<String, String> environment;

    TlsSettingsReader(Config root, Function<String, String> environment) {
        this.root = root;
        this.environment = environment;
    }

    /** The certificate and key under {@code base}, or null when none is configured. */
    KeyMaterial key(String base) {
        String cert = optional(base + ".certificate-file");
        String key = optional(base + ".key-file");
        String store = optional(base + ".keystore.file");
        if (store != null && (cert != null || key != null)) {
            throw new ConfigError(ProxyConfigLoader.key(base) + ": give either certificate-file and key-file (PEM) or keystore.file, not both");
        }
        if (store != null) {
            return new KeyMaterial.Store(file(base + ".keystore.file"), storeType(base + ".keystore.type"),
                secret(base + ".keystore.password", true));
        }
        if (cert == null && key == null) {
            if (secret(base + ".key-password", false) != null) {
                throw new ConfigError(ProxyConfigLoader.key(base) + ": a key password is set but no key-file");
            }
            return null;
        }
        if (cert == null || key == null) {
            throw new ConfigError(ProxyConfigLoader.key(base) + ": certificate-file and key-file go together; "
                + (cert == null ? "certificate-file" : "key-file") + " is missing");
        }
        Path keyFile = file(base + ".key-file");
        requirePkcs8(keyFile, base + ".key-file");
        return new KeyMaterial.Pem(file(base + ".certificate-file"), keyFile, secret(base + ".key-password", false));
    }

    /** The CAs under {@code base}, or null when none are configured. */
    TrustMaterial trust(String base) {
        String ca = optional(base + ".ca-file");
        String store = optional(base + ".truststore.file");
        if (ca != null && store != null) {
            throw new ConfigError(ProxyConfigLoader.key(base) + ": give either ca-file (PEM) or truststore.file, not both");
        }
        if (ca != null) {
            return new TrustMaterial.Pem(file(base + ".ca-file"));
        }
        if (store != null) {
            // A trust store holds only public certificates; its password is optional (integrity check only).
            return new TrustMaterial.Store(file(base + ".truststore.file"), storeType(base + ".truststore.type"),
                secret(base + ".truststore.password", false));
        }
        return null;
    }

    /** The secret {@code base}-env or {@code base}-file names; null when neither is set and it is optional. */
    Secret secret(String base, boolean required) {
        String env = optional(base + "-env");
        String file = optional(base + "-file");
        if (env != null && file != null) {
            throw new ConfigError(ProxyConfigLoader.key(base) + "-env and " + ProxyConfigLoader.key(base)
                + "-file are both set; give one");
        }
        if (env != null) {
            return Secret.fromEnvironment(env, ProxyConfigLoader.key(base + "-env"), environment);
        }
        if (file != null) {
            return Secret.fromFile(Path.of(file), ProxyConfigLoader.key(base + "-file"));
        }
        if (required) {
            throw new ConfigError(ProxyConfigLoader.key(base) + "-env or " + ProxyConfigLoader.key(base) + "-file is required");
        }
        return null;
    }

    /** A string setting, null when missing or blank. */
    String optional(String path) {
        if (!root.hasPath(path)) {
            return null;
        }
        String v = root.getString(path).trim();
        return v.isEmpty() ? null : v;
    }

    Path file(String path) {
        Path p = Path.of(root.getString(path).trim());
        if (!Files.isRegularFile(p)) {
            throw new ConfigError(ProxyConfigLoader.key(path) + ": " + p + " does not exist or is not a file");
        }
        if (!Files.isReadable(p)) {
            throw new ConfigError(ProxyConfigLoader.key(path) + ": " + p + " is not readable by the proxy");
        }
        return p;
    }

    private String storeType(String path) {
        String t = optional(path);
        if (t == null) {
            return "PKCS12";
        }
        String upper = t.toUpperCase(java.util.Locale.ROOT);
        if (!STORE_TYPES.contains(upper)) {
            throw new ConfigError(ProxyConfigLoader.key(path) + " is \"" + t + "\"; use PKCS12 or JKS (PEM files go in ca-file, "
                + "certificate-file and key-file)");
        }
        return upper;
    }

    /**
     * Kafka's own clients (which the proxy also runs against the cluster) and Netty read PKCS#8 keys
     * without extra libraries; an old "BEGIN RSA PRIVATE KEY" file is refused here with the fix.
     */
    private static void requirePkcs8(Path keyFile, String path) {
        String text;
        try {
            text = Files.readString(keyFile, StandardCharsets.US_ASCII);
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            throw new ConfigError(ProxyConfigLoader.key(path) + ": cannot read " + keyFile + " as PEM text");
        }
        if (!text.contains("-----BEGIN PRIVATE KEY-----") && !text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
            throw new ConfigError(ProxyConfigLoader.key(path) + ": " + keyFile + " is not a PKCS#8 PEM key (BEGIN PRIVATE KEY or "
                + "BEGIN ENCRYPTED PRIVATE KEY); convert it with: openssl pkcs8 -topk8 -nocrypt -in old.key -out new.key");
        }
    }
}
