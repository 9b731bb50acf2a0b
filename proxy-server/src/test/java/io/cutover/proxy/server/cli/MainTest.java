package io.cutover.proxy.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI refuses what it cannot run, with an exit code a script can test and a message naming the problem. */
class MainTest {
    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpExitsZero() {
        Result r = run("--help");
        assertEquals(0, r.code);
        assertTrue(r.out.contains("usage: cutover-proxy"));
    }

    @Test
    void unknownArgumentIsAUsageError() {
        Result r = run("--bogus");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("unknown argument --bogus"));
    }

    @Test
    void aBadConfigStopsTheStartAndNamesTheKey(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("bad.conf");
        Files.writeString(conf, "cutover-proxy { clusters.source.bootstrap-servers = [\"a:1\"], limits.max-connections = -1 }");
        Result r = run("--config", conf.toString());
        assertEquals(2, r.code);
        assertTrue(r.err.contains("cutover-proxy.limits.max-connections"), r.err);
    }
}
