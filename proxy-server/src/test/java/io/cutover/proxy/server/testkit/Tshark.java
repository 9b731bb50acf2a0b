package io.cutover.proxy.server.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs Debian's tshark on a capture file. CI installs it (.ci/run), so there a missing tshark fails
 * the test; on a developer machine without it the test is skipped with that reason.
 */
public final class Tshark {
    private Tshark() {
    }

    public static void requireInstalled() {
        boolean present = new java.io.File("/usr/bin/tshark").canExecute();
        if (System.getenv("CI") != null && !present) {
            throw new AssertionError("tshark is not installed; .ci/run installs it (apt-get install tshark)");
        }
        Assumptions.assumeTrue(present, "tshark not installed (apt-get install tshark)");
    }

    /** Lines tshark prints for {@code args} on {@code file}; fails on a non-zero exit. */
    public static List<String> run(Path file, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/tshark", "-n", "-r", file.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("tshark did not finish within 60 s");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("tshark exited " + p.exitValue() + ": " + new String(err, StandardCharsets.UTF_8));
        }
        List<String> lines = new ArrayList<>();
        for (String l : new String(out, StandardCharsets.UTF_8).split("\n")) {
            if (!l.isBlank()) {
                lines.add(l.trim());
            }
        }
        return lines;
    }
}
