package io.cutover.proxy.server.embedded;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * While open, what some threads print to {@code System.out} goes to {@code lines} instead, line by
 * line; every other thread still prints to the real stdout. Kafka's storage formatter, run by the
 * test kit that starts the demo's brokers (on the kit's own executor threads), prints its
 * "Formatting ..." and "Bootstrap metadata ..." lines to stdout with no way to pass it another
 * stream, and the demo's stdout is meant to carry only the proxy's own lines (what a user copies
 * from: the bootstrap address, the admin URL).
 */
final class ThreadOutputDiversion implements AutoCloseable {
    private final PrintStream original;

    private ThreadOutputDiversion(Predicate<Thread> diverted, Consumer<String> lines) {
        this.original = System.out;
        System.setOut(new PrintStream(new Splitter(original, diverted, lines), true, StandardCharsets.UTF_8));
    }

    /** Diverts the stdout of the calling thread and of threads whose name starts with {@code prefix} until {@link #close()}. */
    static ThreadOutputDiversion of(String prefix, Consumer<String> lines) {
        Thread caller = Thread.currentThread();
        return new ThreadOutputDiversion(t -> t == caller || t.getName().startsWith(prefix), lines);
    }

    @Override
    public void close() {
        System.out.flush();
        System.setOut(original);
    }

    private static final class Splitter extends OutputStream {
        /** A line longer than this is passed on in pieces, so a formatter gone wrong cannot grow the buffer. */
        private static final int MAX_LINE = 8192;
        private final PrintStream original;
        private final Predicate<Thread> diverted;
        private final Consumer<String> lines;
        /** The line each diverted thread is printing; a thread's entry goes with its line's end. */
        private final Map<Thread, ByteArrayOutputStream> partial = new ConcurrentHashMap<>();

        Splitter(PrintStream original, Predicate<Thread> diverted, Consumer<String> lines) {
            this.original = original;
            this.diverted = diverted;
            this.lines = lines;
        }

        @Override
        public void write(int b) {
            Thread t = Thread.currentThread();
            if (!diverted.test(t)) {
                original.write(b);
                return;
            }
            ByteArrayOutputStream line = partial.computeIfAbsent(t, x -> new ByteArrayOutputStream());
            if (b == '\n') {
                emit(t, line);
            } else {
                line.write(b);
                if (line.size() >= MAX_LINE) {
                    emit(t, line);
                }
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (!diverted.test(Thread.currentThread())) {
                original.write(b, off, len);
                return;
            }
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }

        @Override
        public void flush() {
            if (!diverted.test(Thread.currentThread())) {
                original.flush();
            }
        }

        private void emit(Thread t, ByteArrayOutputStream line) {
            partial.remove(t);
            String s = line.toString(StandardCharsets.UTF_8).stripTrailing();
            if (!s.isEmpty()) {
                lines.accept(s);
            }
        }
    }
}
