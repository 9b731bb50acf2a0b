package io.cutover.proxy.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What every {@code ctl} command works with: the admin API, where its output goes, and whether that
 * output is the server's JSON ({@code --json}) or tables for people. It also turns a refusal into the
 * one line on stderr that says what the proxy objected to.
 */
final class CtlSession {
    private static final Map<Integer, String> REASONS = Map.ofEntries(
        Map.entry(400, "Bad Request"), Map.entry(401, "Unauthorized"), Map.entry(403, "Forbidden"), Map.entry(404, "Not Found"),
        Map.entry(405, "Method Not Allowed"), Map.entry(409, "Conflict"), Map.entry(412, "Precondition Failed"),
        Map.entry(413, "Payload Too Large"), Map.entry(428, "Precondition Required"), Map.entry(500, "Internal Server Error"),
        Map.entry(502, "Bad Gateway"), Map.entry(503, "Service Unavailable"), Map.entry(504, "Gateway Timeout"));

    private final AdminClient admin;
    private final PrintStream out;
    private final boolean json;
    private final String tokenSource;

    CtlSession(AdminClient admin, PrintStream out, boolean json, String tokenSource) {
        this.admin = admin;
        this.out = out;
        this.json = json;
        this.tokenSource = tokenSource;
    }

    AdminClient admin() {
        return admin;
    }

    PrintStream out() {
        return out;
    }

    boolean json() {
        return json;
    }

    /**
     * The body of an answer, for the caller to render. With {@code --json} the body is printed as the
     * server sent it and null comes back: there is nothing more to print. A 4xx or 5xx fails after
     * that print, so a script still gets the details (the failing gate, the wave) on stdout.
     */
    JsonNode answer(AdminClient.Reply r) throws CtlFailure {
        if (json) {
            printAsIs(r.body());
        }
        if (!r.ok()) {
            throw refusal(r);
        }
        if (json) {
            return null;
        }
        JsonNode body = r.jsonOrNull();
        if (body == null) {
            throw CtlFailure.refused(r.method() + " " + r.path() + " answered " + r.status() + " but not with JSON: "
                + excerpt(r.body()) + " (is " + admin.base() + " the proxy's admin endpoint?)");
        }
        return body;
    }

    /** Prints a body exactly as received, ending the line if the server did not. */
    void printAsIs(String body) {
        out.print(body);
        if (!body.isEmpty() && !body.endsWith("\n")) {
            out.println();
        }
        out.flush();
    }

    /** "HTTP 409 Conflict from POST /waves/w1/switch: <the server's error>", plus what helps act on it. */
    CtlFailure refusal(AdminClient.Reply r) {
        JsonNode body = r.jsonOrNull();
        String error = body != null && body.hasNonNull("error") ? body.get("error").asText() : excerpt(r.body());
        StringBuilder msg = new StringBuilder("HTTP ").append(r.status());
        if (REASONS.containsKey(r.status())) {
            msg.append(' ').append(REASONS.get(r.status()));
        }
        msg.append(" from ").append(r.method()).append(' ').append(r.path()).append(": ").append(error);
        JsonNode gate = body == null ? null : body.get("gate");
        if (gate != null && !gate.isNull()) {
            // A wave refusal names the gate that stopped it: the first thing an operator looks at.
            msg.append(" [failing gate: ").append(gate.isObject() ? gate.path("gate").asText() : gate.asText()).append(']');
        }
        if (r.status() == 401) {
            msg.append(tokenSource.startsWith("no token") ? " (" + tokenSource + ")" : " (token from " + tokenSource + ")");
        }
        if (r.status() == 404 && error.startsWith("no admin endpoint at")) {
            msg.append(" (this proxy does not offer it; it may be older than this ctl)");
        }
        return CtlFailure.refused(Table.oneLine(msg.toString()));
    }

    /** A name as one path segment, so any name the server accepts is sent intact. */
    static String segment(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String excerpt(String body) {
        if (body == null || body.isBlank()) {
            return "(no body)";
        }
        String one = Table.oneLine(body.strip());
        return one.length() > 200 ? one.substring(0, 200) + "..." : one;
    }
}
