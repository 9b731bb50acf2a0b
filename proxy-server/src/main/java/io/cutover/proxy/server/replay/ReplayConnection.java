package io.cutover.proxy.server.replay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ResponseHeader;

/**
 * One captured connection, replayed on one connection to the target, as its identity says: logged
 * in as the user its principal has on the cluster, or not at all (its requests are then counted as
 * refused). A sender thread keeps the captured order and pacing (it waits until each request's due
 * time, scaled by the speed factor), and a reader thread times the responses, which come back in
 * request order, and records their errors by principal and resource.
 */
final class ReplayConnection {
    /** A captured request, decoded, due at {@code dueNanos} (0: at once). */
    record Scheduled(ApiKeys api, RequestHeaderData header, ApiMessage body, long dueNanos, boolean expectsResponse, String routingTopic,
                     int routingPartition, String routingGroup) {
    }

    private record Pending(int correlationId, ApiKeys api, short version, long sentNanos, Scheduled request) {
    }

    private static final Scheduled END = new Scheduled(null, null, null, 0, false, null, -1, null);

    private final int capturedId;
    private final ReplayIdentity identity;
    private final TargetCluster target;
    private final RequestRewriter rewriter;
    private final ReplayReport report;
    private final BlockingQueue<Scheduled> queue = new ArrayBlockingQueue<>(1024);
    private final Deque<Pending> pending = new ArrayDeque<>();
    private final Thread sender;
    private final long responseTimeoutNanos;
    private Thread reader;
    private KafkaWire wire;
    private volatile boolean failed;
    /** Why the cluster refused this connection's login; its requests are refused for it. */
    private String loginRefused;
    private int nextCorrelation;
    private String lastClientId;

    private final boolean downgradeVersions;

    ReplayConnection(int capturedId, ReplayIdentity identity, TargetCluster target, RequestRewriter rewriter, ReplayReport report,
                     long responseTimeoutNanos, boolean downgradeVersions) {
        this.downgradeVersions = downgradeVersions;
        this.capturedId = capturedId;
        this.identity = identity;
        this.target = target;
        this.rewriter = rewriter;
        this.report = report;
        this.responseTimeoutNanos = responseTimeoutNanos;
        this.sender = new Thread(this::send, "replay-" + capturedId);
        sender.setDaemon(true);
        sender.start();
    }

    /** Queues a request; blocks while this connection is 1024 requests behind, which paces the reading of the capture. */
    void enqueue(Scheduled s) throws InterruptedException {
        queue.put(s);
    }

    /** No more requests will come; the sender finishes the queue, waits for responses, and closes. */
    void finish() throws InterruptedException {
        queue.put(END);
    }

    void await() throws InterruptedException {
        sender.join();
    }

    private void send() {
        try {
            while (true) {
                Scheduled s = queue.take();
                if (s == END) {
                    break;
                }
                if (failed) {
                    if (loginRefused != null) {
                        report.refused(identity.principal(), loginRefused, 1);
                    } else {
                        report.skipped("connection to the target failed");
                    }
                    continue;
                }
                waitUntil(s.dueNanos());
                sendOne(s);
                // Requests due together go out in one write; one due later must not wait in the buffer.
                Scheduled next = queue.peek();
                if (wire != null && (next == null || next.dueNanos() > System.nanoTime())) {
                    wire.flush();
                }
            }
            if (wire != null) {
                wire.flush();
                awaitResponses();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            fail(e);
        } finally {
            if (wire != null) {
                wire.close();
            }
            synchronized (pending) {
                pending.forEach(p -> report.api(p.api()).unanswered(1));
                pending.clear();
            }
        }
    }

    private static void waitUntil(long dueNanos) {
        // Pacing to the captured timestamps, not synchronisation: the request is due then.
        long wait;
        while (dueNanos != 0 && (wait = dueNanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }

    private void sendOne(Scheduled s) throws IOException {
        ApiKeys api = s.api();
        if (identity.dialer() == null) {
            report.refused(identity.principal(), identity.refusal(), 1);
            return;
        }
        short captured = s.header().requestApiVersion();
        short max = target.maxVersion(api.id);
        if (max < 0) {
            report.unsupported(api, captured, max);
            return;
        }
        if (captured > max && !downgradeVersions) {
            // Reported, then sent at the target's highest version anyway, so that what else the
            // target would answer (a missing topic, say) is found too.
            report.unsupported(api, captured, max);
        }
        short version = (short) Math.min(captured, max);
        if (wire == null && !connect(s)) {
            return;
        }
        report.transactionalBatchesStripped(rewriter.rewrite(api, s.body()));
        int correlationId = nextCorrelation++;
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(api.id).setRequestApiVersion(version)
            .setCorrelationId(correlationId).setClientId(s.header().clientId());
        Pending p = new Pending(correlationId, api, version, System.nanoTime(), s);
        if (!java.util.Objects.equals(lastClientId, s.header().clientId())) {
            lastClientId = s.header().clientId();
            report.replayedAs(identity.principal(), identity.user(), lastClientId);
        }
        if (s.expectsResponse()) {
            synchronized (pending) {
                pending.addLast(p);
            }
        }
        int bytes;
        try {
            bytes = wire.write(header, s.body(), false);
        } catch (UnsupportedVersionException e) {
            synchronized (pending) {
                pending.remove(p);
            }
            report.skipped(api.name + " v" + captured + " cannot be sent at the target's v" + version);
            return;
        }
        report.sent(api, bytes);
    }

    /** Opens the connection to where the captured one went: the partition's leader, the group's coordinator, or bootstrap. */
    private boolean connect(Scheduled first) throws IOException {
        InetSocketAddress address = null;
        if (first.routingTopic() != null) {
            address = target.leader(first.routingTopic(), first.routingPartition());
        } else if (first.routingGroup() != null) {
            address = target.groupCoordinator(first.routingGroup());
        }
        if (address == null) {
            address = target.bootstrap();
        }
        try {
            wire = new KafkaWire(address, target.connectTimeoutMillis(), identity.dialer());
        } catch (javax.security.sasl.AuthenticationException e) {
            // The cluster refused the user this principal maps to: every request of the connection goes unreplayed.
            loginRefused = e.getMessage();
            fail(e);
            report.refused(identity.principal(), loginRefused, 1);
            return false;
        } catch (IOException e) {
            fail(e);
            report.skipped("connection to the target failed");
            return false;
        }
        report.connectionOpened();
        reader = new Thread(this::readResponses, "replay-" + capturedId + "-responses");
        reader.setDaemon(true);
        reader.start();
        return true;
    }

    private void readResponses() {
        try {
            while (true) {
                ByteBuffer frame = wire.read();
                long now = System.nanoTime();
                Pending p;
                synchronized (pending) {
                    p = pending.peekFirst();
                }
                report.received(frame.remaining() + 4);
                if (p == null) {
                    throw new IOException("a response came that no request was waiting for");
                }
                ResponseHeader header = ResponseHeader.parse(frame, p.api().responseHeaderVersion(p.version()));
                if (header.correlationId() != p.correlationId()) {
                    throw new IOException("correlation id " + header.correlationId() + " came back, " + p.correlationId() + " was due");
                }
                AbstractResponse response = AbstractResponse.parseResponse(p.api(),
                    new org.apache.kafka.common.protocol.ByteBufferAccessor(frame), p.version());
                report.api(p.api()).response((now - p.sentNanos()) / 1000, response.errorCounts());
                for (ResourceErrors.Found e : ResourceErrors.of(p.request(), response, target::topicName)) {
                    report.resourceError(identity.principal(), p.api(), e.type(), e.name(), e.error());
                }
                // Taken off only once recorded, so the sender's final wait covers it.
                synchronized (pending) {
                    pending.pollFirst();
                    pending.notifyAll();
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!failed && hasPending()) {
                fail(e);
            }
        }
    }

    private boolean hasPending() {
        synchronized (pending) {
            return !pending.isEmpty();
        }
    }

    private void awaitResponses() throws InterruptedException {
        long deadline = System.nanoTime() + responseTimeoutNanos;
        synchronized (pending) {
            long left;
            while (!pending.isEmpty() && !failed && (left = deadline - System.nanoTime()) > 0) {
                pending.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    private void fail(Exception e) {
        if (!failed) {
            failed = true;
            report.connectionFailed();
            System.err.println("replay: connection " + capturedId + (wire == null ? "" : " to " + wire.address()) + " failed: "
                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
        synchronized (pending) {
            pending.notifyAll();
        }
    }
}
