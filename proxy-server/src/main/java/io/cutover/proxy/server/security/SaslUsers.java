package io.cutover.proxy.server.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.state.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;

/**
 * The users clients authenticate as at the proxy (listener.sasl): per user, salted SCRAM
 * credentials (salt, stored key, server key, iterations) for SCRAM-SHA-256 and/or SCRAM-SHA-512, as
 * a broker keeps them. No password is ever stored: PLAIN is checked by salting the password it
 * carries and comparing with the stored key. Read from a JSON file that {@code cutover-proxy users
 * add} writes; immutable once read.
 */
public final class SaslUsers {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final int DEFAULT_ITERATIONS = 8192;

    private final Map<String, Map<ScramMechanism, ScramCredential>> users;

    private SaslUsers(Map<String, Map<ScramMechanism, ScramCredential>> users) {
        this.users = users;
    }

    public static SaslUsers read(Path file) throws IOException {
        JsonNode root = JSON.readTree(Files.readAllBytes(file));
        JsonNode list = root.path("users");
        if (!list.isObject()) {
            throw new IOException(file + " has no \"users\" object");
        }
        Map<String, Map<ScramMechanism, ScramCredential>> users = new LinkedHashMap<>();
        var names = list.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            Map<ScramMechanism, ScramCredential> byMechanism = new LinkedHashMap<>();
            var mechanisms = list.get(name).fields();
            while (mechanisms.hasNext()) {
                var m = mechanisms.next();
                ScramMechanism mechanism = ScramMechanism.forMechanismName(m.getKey());
                if (mechanism == null) {
                    throw new IOException(file + ": user " + name + " has a credential for " + m.getKey() + ", not SCRAM-SHA-256 or SCRAM-SHA-512");
                }
                JsonNode c = m.getValue();
                try {
                    Base64.Decoder b64 = Base64.getDecoder();
                    putChecked(byMechanism, mechanism, new ScramCredential(b64.decode(c.path("salt").asText()),
                        b64.decode(c.path("storedKey").asText()), b64.decode(c.path("serverKey").asText()), c.path("iterations").asInt()));
                } catch (IllegalArgumentException e) {
                    throw new IOException(file + ": user " + name + ", " + m.getKey() + ": not base64: " + e.getMessage(), e);
                }
            }
            users.put(name, Map.copyOf(byMechanism));
        }
        return new SaslUsers(Map.copyOf(users));
    }

    private static void putChecked(Map<ScramMechanism, ScramCredential> into, ScramMechanism m, ScramCredential c) throws IOException {
        if (c.iterations() < m.minIterations() || c.salt().length == 0) {
            throw new IOException(m.mechanismName() + " credential needs a salt and at least " + m.minIterations() + " iterations");
        }
        into.put(m, c);
    }

    /** The user's credential for {@code mechanism}, or null. */
    public ScramCredential credential(String user, ScramMechanism mechanism) {
        Map<ScramMechanism, ScramCredential> c = users.get(user);
        return c == null ? null : c.get(mechanism);
    }

    /** PLAIN: true when {@code password} is the user's, checked against a stored SCRAM credential. */
    public boolean passwordMatches(String user, String password) {
        Map<ScramMechanism, ScramCredential> c = users.get(user);
        if (c == null || c.isEmpty()) {
            return false;
        }
        var e = c.entrySet().iterator().next();
        try {
            ScramFormatter f = new ScramFormatter(e.getKey());
            byte[] salted = f.saltedPassword(password, e.getValue().salt(), e.getValue().iterations());
            return MessageDigest.isEqual(f.storedKey(f.clientKey(salted)), e.getValue().storedKey());
        } catch (GeneralSecurityException ex) {
            return false;
        }
    }

    public int size() {
        return users.size();
    }

    /**
     * Adds or replaces {@code user} in {@code file} (created if missing, owner-only) with fresh salted
     * credentials for each of {@code mechanisms}; the password itself is not written.
     */
    public static void add(Path file, String user, String password, Collection<ScramMechanism> mechanisms, int iterations)
        throws IOException {
        ObjectNode root = Files.exists(file) ? (ObjectNode) JSON.readTree(Files.readAllBytes(file)) : JSON.createObjectNode();
        ObjectNode list = root.has("users") ? (ObjectNode) root.get("users") : root.putObject("users");
        ObjectNode entry = list.putObject(user);
        Base64.Encoder b64 = Base64.getEncoder();
        for (ScramMechanism m : mechanisms) {
            ScramCredential c;
            try {
                c = new ScramFormatter(m).generateCredential(password, iterations);
            } catch (GeneralSecurityException e) {
                throw new IOException(m.mechanismName() + " is not available in this JVM", e);
            }
            ObjectNode n = entry.putObject(m.mechanismName());
            n.put("salt", b64.encodeToString(c.salt()));
            n.put("storedKey", b64.encodeToString(c.storedKey()));
            n.put("serverKey", b64.encodeToString(c.serverKey()));
            n.put("iterations", c.iterations());
        }
        AtomicFiles.writeOwnerOnly(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root).getBytes(StandardCharsets.UTF_8));
    }
}
