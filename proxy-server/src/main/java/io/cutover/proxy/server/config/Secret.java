package io.cutover.proxy.server.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A password the proxy needs, read from an environment variable or a file that the config names,
 * never written in the config itself. {@link #toString()} says where it came from, never what it
 * is, so a secret cannot reach a log line or an error message by accident.
 */
public final class Secret {
    private static final Logger LOG = LoggerFactory.getLogger(Secret.class);
    private static final Set<PosixFilePermission> OTHERS = Set.of(PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

    private final String value;
    private final String source;

    private Secret(String value, String source) {
        this.value = value;
        this.source = source;
    }

    /** The secret itself: pass it on to what needs it, never to a log or a message. */
    public String value() {
        return value;
    }

    /** Where the secret came from ("environment variable X", "file /run/secrets/x"), safe to show. */
    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return "secret from " + source;
    }

    /**
     * A secret a client handed over at login (identity mode passthrough: its PLAIN password or its
     * OAUTHBEARER token), to be presented to a cluster for it; {@code source} says whose it is.
     */
    public static Secret fromClient(String value, String source) {
        return new Secret(value, source);
    }

    static Secret fromEnvironment(String variable, String key, Function<String, String> environment) {
        String v = environment.apply(variable);
        if (v == null || v.isEmpty()) {
            throw new ConfigError("environment variable " + variable + " (named by " + key + ") is not set or empty");
        }
        return new Secret(v, "environment variable " + variable);
    }

    static Secret fromFile(Path file, String key) {
        String v;
        try {
            v = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigError("cannot read " + file + " (named by " + key + "): " + e.getClass().getSimpleName());
        }
        // Editors and `echo` leave a final newline that is not part of the password.
        if (v.endsWith("\n")) {
            v = v.substring(0, v.length() - (v.endsWith("\r\n") ? 2 : 1));
        }
        if (v.isEmpty()) {
            throw new ConfigError(file + " (named by " + key + ") is empty");
        }
        warnIfOthersMayRead(file);
        return new Secret(v, "file " + file);
    }

    private static void warnIfOthersMayRead(Path file) {
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            if (p.stream().anyMatch(OTHERS::contains)) {
                LOG.warn("secret file {} can be read or written by any user; restrict it (chmod 600)", file);
            }
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system: nothing to check
        }
    }
}
