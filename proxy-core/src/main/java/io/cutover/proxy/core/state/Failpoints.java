package io.cutover.proxy.core.state;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Test-only crash points. The system property {@code cutover.failpoints} names points (comma
 * separated), or {@code cutover.failpoints.file} names a file whose content does, read each time a
 * point is reached, so a test can arm one in a running proxy; reaching an armed point halts the JVM
 * at once, as {@code kill -9} would: no shutdown hook runs and nothing is flushed. Crash tests use it to stop the proxy between two steps of an
 * operation and check what a restart makes of the state left behind. Unarmed (always, in
 * production) a point costs one empty-set check.
 */
public final class Failpoints {
    /** The exit status of a halt at a failpoint: 128 + SIGKILL, as a killed process reports. */
    public static final int EXIT_STATUS = 137;
    private static final Set<String> ARMED = parse(System.getProperty("cutover.failpoints", ""));
    private static final String FILE = System.getProperty("cutover.failpoints.file");

    private Failpoints() {
    }

    private static boolean armedInFile(String point) {
        try {
            return parse(java.nio.file.Files.readString(java.nio.file.Path.of(FILE))).contains(point);
        } catch (java.io.IOException e) {
            return false; // no file: nothing armed
        }
    }

    static Set<String> parse(String spec) {
        return Arrays.stream(spec.split(",")).map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toUnmodifiableSet());
    }

    /** A test running the proxy in its own JVM, told of every point reached; null (always, in production): none. */
    private static volatile java.util.function.Consumer<String> observer;

    /**
     * Tells {@code watcher} of every point reached from now on (null: no one), before any halt, on
     * the thread that reached it: a test makes a fault happen at an exact step (a cluster cut off
     * while a switch holds its fence, say).
     */
    public static void observe(java.util.function.Consumer<String> watcher) {
        observer = watcher;
    }

    /** Halts the JVM if {@code point} is armed. */
    public static void reached(String point) {
        java.util.function.Consumer<String> o = observer;
        if (o != null) {
            o.accept(point);
        }
        if (!ARMED.contains(point) && (FILE == null || !armedInFile(point))) {
            return;
        }
        System.err.println("failpoint " + point + " reached: halting the JVM");
        System.err.flush();
        Runtime.getRuntime().halt(EXIT_STATUS);
    }
}
