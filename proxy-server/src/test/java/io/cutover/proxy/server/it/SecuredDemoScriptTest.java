package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The SASL_SSL example of issue 12 as a user runs it: {@code config/examples/sasl-ssl/run.sh --check}
 * starts two SASL_SSL clusters and the proxy with the example's config, walks the demo with kcat
 * (produce, flip through the admin API, produce, consume) and checks every step itself.
 *
 * <p>The script runs the brokers and the proxy from this test's own classpath ({@code KAFKA_CLASSPATH},
 * {@code CUTOVER_PROXY_CLASSPATH}): during {@code mvn verify} the server jar is not packaged yet when
 * tests run, and the launcher would start a Maven build of its own. Its ports start at 27092, below the
 * ephemeral range and away from the ranges other tests use. kcat comes from Debian ({@code .ci/run}
 * installs it); without it the test is skipped, except under CI, where that is a failure.
 */
class SecuredDemoScriptTest {
    private static final Path SCRIPT = Path.of("../config/examples/sasl-ssl/run.sh").toAbsolutePath().normalize();
    /** It takes 20 to 40 s on 2 cores; the rest is room for a busy machine. */
    private static final Duration DEADLINE = Duration.ofSeconds(240);
    private static final int PORT_BASE = 27092;

    @Test
    void theSaslSslExampleFlipsATopicEndToEndAsTheClientsMappedUser() throws Exception {
        boolean kcat = installed("kcat", "-V");
        if (!kcat && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("kcat is not installed; .ci/run should have installed it");
        }
        assumeTrue(kcat, "kcat is not installed here (CI installs it)");

        Path output = Files.createTempFile("sasl-ssl-demo", ".log");
        ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString(), "--check")
            .redirectErrorStream(true)
            .redirectOutput(output.toFile());
        String classpath = System.getProperty("java.class.path");
        Map<String, String> env = pb.environment();
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("KAFKA_CLASSPATH", classpath);
        env.put("CUTOVER_PROXY_CLASSPATH", classpath);
        env.put("CUTOVER_DEMO_PORT_BASE", String.valueOf(PORT_BASE));
        // The proxy's JVM as the tests' other child JVMs run (ChildJvm): it starts sooner on 2 cores.
        env.put("JAVA_OPTS", "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
        env.remove("KEEP_WORK");

        long started = System.nanoTime();
        Process script = pb.start();
        int exit;
        try {
            exit = awaitExit(script, output);
        } finally {
            stop(script);
        }
        String out = Files.readString(output);
        System.out.printf("run.sh --check exited with %d after %.1f s:%n%s%n", exit, (System.nanoTime() - started) / 1e9, out);
        assertEquals(0, exit, "run.sh --check exited with " + exit + ":\n" + out);
        assertTrue(out.contains("read through the proxy: \"after the flip\""), out);
        assertTrue(out.contains("read from the target: \"after the flip\""), out);
        assertTrue(out.contains("read from the source: \"before the flip\""), out);
        assertTrue(out.contains("target: Principal = User:orders-app is Allowed operation = WRITE"), out);
        assertTrue(out.contains("OK: the record written after the flip went through the proxy over SASL_SSL to the target"), out);
        Files.delete(output);
    }

    private static int awaitExit(Process script, Path output) throws InterruptedException, IOException {
        if (!script.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("run.sh --check did not finish within " + DEADLINE + ":\n" + Files.readString(output));
        }
        return script.exitValue();
    }

    /**
     * SIGTERM first: the script's trap stops the brokers and the proxy it started and removes its
     * work directory. Whatever is left after that is killed.
     */
    private static void stop(Process script) throws InterruptedException {
        if (script.isAlive()) {
            List<ProcessHandle> started = script.descendants().toList();
            script.toHandle().destroy();
            script.waitFor(60, TimeUnit.SECONDS);
            script.destroyForcibly();
            started.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static boolean installed(String... probe) {
        try {
            Process p = new ProcessBuilder(probe).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
