package io.cutover.proxy.core.capture;

import io.cutover.proxy.core.codec.RequestFrames;
import io.cutover.proxy.core.state.AtomicFiles;
import io.cutover.proxy.core.state.FilePermissions;
import io.netty.buffer.ByteBuf;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running capture: event loops hand it frames, its own thread writes them to a pcapng file.
 *
 * <p>The hand-over never blocks and never locks: a frame is a retained duplicate put on a lock-free
 * queue, admitted only while the bytes waiting for the writer stay within a budget. When the writer
 * falls behind, frames are dropped and counted instead, so a slow disk costs the capture frames,
 * never the clients latency. The duplicate keeps the original buffer alive only until written.
 *
 * <p>Captures hold client traffic, so the file is readable by its owner only (rw-------) from the
 * moment it exists, and SaslAuthenticate requests (api key 36: passwords, tokens) are never
 * written: they are left out and counted, and since the connection only records the response
 * of a request it offered successfully, their responses are left out too. The rest of the
 * conversation stays readable (SaslHandshake, naming only the mechanism, is kept).
 */
public final class Capture {
    private static final Logger LOG = LoggerFactory.getLogger(Capture.class);

    private static final short SASL_AUTHENTICATE = 36;

    private enum Kind { FRAME, CLOSE, LOGIN }

    private record Entry(Kind kind, long connectionId, InetSocketAddress client, InetSocketAddress server, boolean fromClient,
                         long micros, ByteBuf frame, String principal) {
        Entry(Kind kind, long connectionId, InetSocketAddress client, InetSocketAddress server, boolean fromClient, long micros,
              ByteBuf frame) {
            this(kind, connectionId, client, server, fromClient, micros, frame, null);
        }
    }

    private final CaptureSpec spec;
    private final Path file;
    private final long queueBudget;
    private final Clock clock;
    private final Instant startedAt;
    private final long startMicros;
    private final long startNanos;
    private final long deadlineNanos;
    private final ConcurrentLinkedQueue<Entry> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicLong framesWritten = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final AtomicLong framesDropped = new AtomicLong();
    private final AtomicLong bytesDropped = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong saslAuthenticateOmitted = new AtomicLong();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Consumer<Capture> onStop;
    private final Thread writerThread;
    private volatile boolean running = true;
    private volatile boolean writerDone;
    private volatile String stopReason;
    private volatile Instant stoppedAt;

    private final AtomicLong allWritten;
    private final AtomicLong allDropped;

    Capture(CaptureSpec spec, Path file, long queueBudget, Clock clock, AtomicLong allWritten, AtomicLong allDropped,
            Consumer<Capture> onStop) throws IOException {
        this.spec = spec;
        this.allWritten = allWritten;
        this.allDropped = allDropped;
        this.file = file;
        this.queueBudget = queueBudget;
        this.clock = clock;
        this.onStop = onStop;
        this.startedAt = clock.instant();
        this.startMicros = startedAt.getEpochSecond() * 1_000_000L + startedAt.getNano() / 1_000;
        this.startNanos = System.nanoTime();
        this.deadlineNanos = startNanos + spec.maxDuration().toNanos();
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(openOwnerOnly(file)), 1 << 16);
        PcapngWriter writer = new PcapngWriter(out);
        this.writerThread = new Thread(() -> writeLoop(writer), "capture-" + spec.name());
        writerThread.setDaemon(true);
        writerThread.start();
    }

    /** Creates the file readable by its owner only from the start; on POSIX, permissions that cannot be set are an error. */
    private static FileChannel openOwnerOnly(Path file) throws IOException {
        if (!FilePermissions.isPosix(file)) {
            return FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        }
        FileChannel ch = FileChannel.open(file, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(AtomicFiles.OWNER_ONLY));
        try {
            FilePermissions.set(file, AtomicFiles.OWNER_ONLY); // the umask filters the creation mode; make it exact
            return ch;
        } catch (IOException e) {
            ch.close();
            Files.deleteIfExists(file);
            throw e;
        }
    }

    public CaptureSpec spec() {
        return spec;
    }

    public String name() {
        return spec.name();
    }

    public Path file() {
        return file;
    }

    public boolean isRunning() {
        return running;
    }

    /** A connection was selected by the filter; counted for the status. */
    public void connectionSelected() {
        connections.incrementAndGet();
    }

    /**
     * Offers one frame (size prefix included) of a connection. Never blocks: returns false, and
     * counts a drop, when the writer is behind by more than the queue budget.
     */
    public boolean offer(long connectionId, InetSocketAddress client, InetSocketAddress server, boolean fromClient, ByteBuf frame) {
        int bytes = frame.readableBytes();
        if (!running) {
            return false;
        }
        if (fromClient && RequestFrames.apiKey(frame) == SASL_AUTHENTICATE) {
            saslAuthenticateOmitted.incrementAndGet();
            return false;
        }
        if (queuedBytes.addAndGet(bytes) > queueBudget) {
            queuedBytes.addAndGet(-bytes);
            framesDropped.incrementAndGet();
            bytesDropped.addAndGet(bytes);
            allDropped.incrementAndGet();
            return false;
        }
        queue.offer(new Entry(Kind.FRAME, connectionId, client, server, fromClient, nowMicros(), frame.retainedDuplicate()));
        if (writerDone) {
            // The writer finished between the check above and the offer: nobody else will release it.
            releaseQueued();
        }
        return true;
    }

    /**
     * The client of a captured connection logged in as {@code principal} (a name, never a secret):
     * written as a comment on the conversation, so a rehearsal replays its requests as that principal.
     */
    public void loggedIn(long connectionId, InetSocketAddress client, InetSocketAddress server, String principal) {
        if (running) {
            queue.offer(new Entry(Kind.LOGIN, connectionId, client, server, true, nowMicros(), null, principal));
        }
    }

    /** A captured connection ended; its conversation gets a FIN. */
    public void closed(long connectionId, boolean byClient) {
        if (running) {
            queue.offer(new Entry(Kind.CLOSE, connectionId, null, null, byClient, nowMicros(), null));
        }
    }

    /** Stops the capture; frames still queued are written first. Idempotent. */
    public void stop(String reason) {
        if (stopReason == null) {
            stopReason = reason;
        }
        running = false;
        LockSupport.unpark(writerThread);
    }

    /** Waits until the file is complete and closed. */
    public boolean awaitFinished(long timeout, TimeUnit unit) throws InterruptedException {
        return finished.await(timeout, unit);
    }

    public CaptureStatus status() {
        return new CaptureStatus(spec.name(), file.toString(), running ? "RUNNING" : (finished.getCount() == 0 ? "STOPPED" : "STOPPING"),
            stopReason, startedAt, stoppedAt, spec.filter(), spec.maxBytes(), spec.maxDuration().toSeconds(),
            framesWritten.get(), bytesWritten.get(), framesDropped.get(), bytesDropped.get(), connections.get(),
            saslAuthenticateOmitted.get());
    }

    public long framesWritten() {
        return framesWritten.get();
    }

    public long framesDropped() {
        return framesDropped.get();
    }

    private void releaseQueued() {
        Entry e;
        while ((e = queue.poll()) != null) {
            if (e.frame != null) {
                queuedBytes.addAndGet(-e.frame.readableBytes());
                e.frame.release();
            }
        }
    }

    private long nowMicros() {
        return startMicros + (System.nanoTime() - startNanos) / 1_000;
    }

    private void writeLoop(PcapngWriter writer) {
        byte[] copy = new byte[1 << 16];
        boolean dirty = false;
        try {
            while (true) {
                if (running && System.nanoTime() - deadlineNanos > 0) {
                    stop("max-duration of " + spec.maxDuration().toSeconds() + " s reached");
                }
                Entry e = queue.poll();
                if (e == null) {
                    if (!running) {
                        break;
                    }
                    if (dirty) {
                        writer.flush();
                        dirty = false;
                    }
                    LockSupport.parkNanos(1_000_000L);
                    continue;
                }
                if (e.kind == Kind.CLOSE) {
                    writer.closed(e.connectionId, e.fromClient, e.micros);
                    continue;
                }
                if (e.kind == Kind.LOGIN) {
                    writer.loggedIn(e.connectionId, e.client, e.server, e.micros, e.principal);
                    continue;
                }
                ByteBuf frame = e.frame;
                int n = frame.readableBytes();
                try {
                    queuedBytes.addAndGet(-n);
                    if (writer.bytesWritten() + n + 200 > spec.maxBytes()) {
                        stop("max-bytes of " + spec.maxBytes() + " reached");
                        framesDropped.incrementAndGet();
                        bytesDropped.addAndGet(n);
                        allDropped.incrementAndGet();
                        continue;
                    }
                    if (copy.length < n) {
                        copy = new byte[Math.max(n, copy.length * 2)];
                    }
                    frame.getBytes(frame.readerIndex(), copy, 0, n);
                } finally {
                    frame.release();
                }
                writer.frame(e.connectionId, e.client, e.server, e.fromClient, e.micros, copy, 0, n);
                dirty = true;
                framesWritten.incrementAndGet();
                allWritten.incrementAndGet();
                bytesWritten.set(writer.bytesWritten());
            }
        } catch (IOException | RuntimeException ex) {
            LOG.warn("capture {} stopped: cannot write {}: {}", spec.name(), file, ex.toString());
            stop("write failed: " + ex.getMessage());
        } finally {
            // Whatever is still queued (after a failure, or offered while stopping) is released, not leaked.
            running = false;
            writerDone = true;
            releaseQueued();
            try {
                writer.close();
            } catch (IOException ex) {
                LOG.warn("capture {}: closing {} failed: {}", spec.name(), file, ex.toString());
            }
            bytesWritten.set(writer.bytesWritten());
            stoppedAt = clock.instant();
            finished.countDown();
            LOG.info("capture {} stopped ({}): {} frames, {} bytes written to {}, {} frames dropped", spec.name(), stopReason,
                framesWritten.get(), bytesWritten.get(), file, framesDropped.get());
            onStop.accept(this);
        }
    }
}
