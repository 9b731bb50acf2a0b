package io.cutover.proxy.core.capture;

import io.cutover.proxy.core.state.FilePermissions;
import io.cutover.proxy.core.state.InsecureStateFileException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The proxy's captures: at most one runs at a time, and the event loops look it up with one
 * volatile read per frame, so capturing costs nothing while none runs. Files go to one directory
 * under the state directory (rwx------, each file rw-------); the last few finished captures are
 * remembered for the status.
 */
public final class CaptureHub {
    private static final int HISTORY = 20;

    private final Path directory;
    private final long queueBudget;
    private final Clock clock;
    private final Deque<CaptureStatus> history = new ArrayDeque<>();
    private final AtomicLong totalWritten = new AtomicLong();
    private final AtomicLong totalDropped = new AtomicLong();
    private volatile Capture active;

    /**
     * A hub writing to {@code directory}. A directory left by an older version (readable by others)
     * is made its owner's only here, at start, so the captures in it are protected before the next
     * one is taken; when that cannot be done on a POSIX file system the start fails.
     */
    public CaptureHub(Path directory, long queueBudget, Clock clock) {
        this.directory = directory;
        this.queueBudget = queueBudget;
        this.clock = clock;
        if (Files.isDirectory(directory)) {
            try {
                FilePermissions.ownerOnlyDirectory(directory);
            } catch (IOException | UnsupportedOperationException e) {
                throw new InsecureStateFileException(directory, "cannot make it rwx------: " + e.getMessage(), e);
            }
        }
    }

    /** The running capture, or null. Read per frame on the hot path. */
    public Capture active() {
        return active;
    }

    public Path directory() {
        return directory;
    }

    /**
     * Starts a capture. Refused when one is running or a file of that name exists, so a capture
     * never overwrites another.
     */
    public synchronized Capture start(CaptureSpec spec) {
        Capture running = active;
        if (running != null && running.isRunning()) {
            throw CaptureConflictException.running(running.name());
        }
        Path file = directory.resolve(spec.name() + ".pcapng");
        if (Files.exists(file)) {
            throw new CaptureConflictException("a capture named " + spec.name() + " exists already (" + file + "); choose another name");
        }
        try {
            // Captures hold client traffic: the directory is its owner's only (rwx------).
            FilePermissions.ownerOnlyDirectory(directory);
            Capture c = new Capture(spec, file, queueBudget, clock, totalWritten, totalDropped, this::finished);
            active = c;
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + file + ": " + e.getMessage(), e);
        }
    }

    /** Stops the named capture if it is the running one; returns it, or null when no such capture runs. */
    public synchronized Capture stop(String name, String reason) {
        Capture c = active;
        if (c == null || !c.name().equals(name)) {
            return null;
        }
        c.stop(reason);
        return c;
    }

    public synchronized List<CaptureStatus> list() {
        List<CaptureStatus> all = new ArrayList<>();
        Capture c = active;
        if (c != null) {
            all.add(c.status());
        }
        all.addAll(history);
        return all;
    }

    public synchronized CaptureStatus status(String name) {
        for (CaptureStatus s : list()) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }

    /** Frames written by every capture since the proxy started. */
    public long framesWritten() {
        return totalWritten.get();
    }

    /** Frames dropped by every capture since the proxy started (writer behind, or a bound reached). */
    public long framesDropped() {
        return totalDropped.get();
    }

    private synchronized void finished(Capture c) {
        if (active == c) {
            active = null;
        }
        history.addFirst(c.status());
        while (history.size() > HISTORY) {
            history.removeLast();
        }
    }

    /** Stops whatever runs, for shutdown. */
    public void close() {
        Capture c = active;
        if (c != null) {
            c.stop("proxy stopping");
            try {
                c.awaitFinished(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
