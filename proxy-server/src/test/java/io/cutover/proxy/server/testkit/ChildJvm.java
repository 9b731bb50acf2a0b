package io.cutover.proxy.server.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A Java main class of this project run as a child process on the test's own classpath, with its
 * output kept for failure messages. {@link #kill()} sends SIGKILL: no shutdown hook runs, nothing is
 * flushed, as after {@code kill -9} or a crash.
 */
final class ChildJvm {
    private final Process process;
    private final List<String> output = Collections.synchronizedList(new ArrayList<>());
    private Thread reader;

    private ChildJvm(Process process) {
        this.process = process;
    }

    static ChildJvm start(String mainClass, List<String> args, Map<String, String> systemProperties, String maxHeap) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + maxHeap);
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Dio.netty.leakDetection.level=simple");
        systemProperties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChildJvm child = new ChildJvm(p);
        // With -Dcutover.test.child-output-dir (the soak's run.sh sets it) each child's whole output is
        // also kept in a file there, for a long run's failure that the last lines do not explain.
        String dir = System.getProperty("cutover.test.child-output-dir");
        Path copy = dir == null ? null : Path.of(dir, mainClass.substring(mainClass.lastIndexOf('.') + 1) + "-" + p.pid() + ".log");
        if (copy != null) {
            try {
                java.nio.file.Files.createDirectories(copy.getParent());
            } catch (IOException e) {
                // Without the copy the child's output still reaches the test; only the file is lost.
                System.err.println("cannot create " + copy.getParent() + " for the child's output: " + e);
            }
        }
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                 java.io.Writer file = copy == null ? java.io.Writer.nullWriter() : java.nio.file.Files.newBufferedWriter(copy)) {
                for (String line; (line = r.readLine()) != null; ) {
                    child.output.add(line);
                    file.write(line);
                    file.write('\n');
                }
            } catch (IOException ignored) {
                // the process died; what it printed so far is kept
            }
        }, "child-jvm-output-" + mainClass.substring(mainClass.lastIndexOf('.') + 1));
        reader.setDaemon(true);
        child.reader = reader;
        reader.start();
        return child;
    }

    /** Waits until a line of output matches, the process exits, or the timeout passes; returns the line. */
    String awaitLine(Predicate<String> wanted, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        while (true) {
            synchronized (output) {
                for (; seen < output.size(); seen++) {
                    if (wanted.test(output.get(seen))) {
                        return output.get(seen);
                    }
                }
            }
            if (!process.isAlive()) {
                throw new AssertionError("the child process exited with " + process.exitValue() + ":\n" + tail(40));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the child process printed no awaited line within " + timeout + ":\n" + tail(40));
            }
            pause();
        }
    }

    /**
     * SIGTERM: what an orchestrator sends before it replaces the process. Through its handle, not
     * {@code Process.destroy()}, which also closes the pipe this class reads: what the process
     * prints while it stops would be lost.
     */
    void terminate() {
        process.toHandle().destroy();
    }

    void kill() {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
    }

    int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the child process did not exit within " + timeout + ":\n" + tail(20));
            }
            // What it printed last may still be in the pipe: read to its end, so tail() has it.
            reader.join(Duration.ofSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        return process.exitValue();
    }

    boolean alive() {
        return process.isAlive();
    }

    String tail(int lines) {
        synchronized (output) {
            return String.join("\n", output.subList(Math.max(0, output.size() - lines), output.size()));
        }
    }

    static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
