package io.cutover.proxy.server.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.proxy.server.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Runs {@code cutover-proxy replay ...} in the test JVM, as the CLI does, and keeps what it printed. */
public record ReplayRun(int exitCode, String out, String err) {
    public static ReplayRun of(String... args) {
        List<String> all = new ArrayList<>(List.of("replay"));
        all.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        return new ReplayRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    public JsonNode json() {
        try {
            return new ObjectMapper().readTree(out);
        } catch (Exception e) {
            throw new AssertionError("replay did not print JSON: " + out + "\n" + err, e);
        }
    }

    /** The report's entry for one API, or null when the replay sent none. */
    public JsonNode api(String name) {
        for (JsonNode a : json().get("apis")) {
            if (a.get("api").asText().equals(name)) {
                return a;
            }
        }
        return null;
    }
}
