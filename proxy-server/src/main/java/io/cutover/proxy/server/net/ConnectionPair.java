package io.cutover.proxy.server.net;

import io.cutover.proxy.core.codec.ProduceRequestFrames;
import io.cutover.proxy.core.virtual.TopicIds;
import io.cutover.proxy.server.metrics.ProxyError;
import io.cutover.proxy.server.metrics.ProxyMetrics;
import io.cutover.proxy.server.security.UpstreamAuthenticationException;
import io.cutover.proxy.server.upstream.UpstreamDialer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * One client connection and the upstream connection it is paired with: their lifecycle and the
 * flow of requests between them. Both channels live on the same event loop, so this state is
 * touched by one thread only and needs no locks.
 *
 * <p>The upstream connection is this client connection's alone: opened for it (after its login,
 * where clients log in), authenticated once as its identity, closed with it, never pooled or
 * handed to another. Identity modes mapped and passthrough rely on that: two principals never
 * share an authenticated connection.
 *
 * <p>Lifecycle: NEW, CONNECTING (client reads paused until the upstream connection is up),
 * FORWARDING, CLOSED. Whichever side closes first, the other is closed too, and every response
 * still held is released.
 *
 * <p>A request that reaches the pair before the upstream is up is held, in order, and sent once it
 * is: dropping it would leave the client waiting out its own timeout (five minutes for a
 * JoinGroup). This is common, not a corner: the proxy answers ApiVersions itself, and where the
 * upstream opens only after the TLS handshake (SNI names the broker; a certificate names the
 * identity), a client's next request often comes within the few milliseconds the connect takes.
 * Paused reads do not stop it, since the SslHandler reads on while a TLS record is incomplete.
 */
final class ConnectionPair implements RequestSender, UpstreamEvents, LiveConnection {
    private enum State { NEW, CONNECTING, FORWARDING, CLOSED }

    private static final long ADDRESS_POLL_MILLIS = 50;

    private final ClientSession session;
    private final ProxyMetrics metrics;
    private final Channel client;
    private final ReadGate clientReads;
    private final ResponseQueue responses;
    private final ResponseMemory.Account responseMemory;
    private Channel upstream;
    private State state = State.NEW;
    /** Set while the proxy drains this connection: runs once it is closed for the drain. */
    private Runnable drained;
    /** Requests read before the upstream connection was up, in order; null when none wait. */
    private ArrayDeque<HeldRequest> awaitingUpstream;

    /** A request read before the upstream was up; counted as sent to its cluster only once it is. */
    private record HeldRequest(ByteBuf frame, short apiKey) {
    }

    ConnectionPair(ClientSession session) {
        this.session = session;
        this.metrics = session.proxy().metrics();
        this.client = session.client();
        // The client channel starts with autoRead off (a child option), so nothing is read before
        // there is an upstream to send it to.
        this.clientReads = new ReadGate(client, ReadGate.CONNECTING);
        this.responses = new ResponseQueue(session, clientReads);
        this.responseMemory = session.proxy().responseMemory().account(session, responses);
        responses.memory(responseMemory);
        session.onClose(() -> clientClosed(false));
    }

    ClientSession session() {
        return session;
    }

    ResponseQueue responses() {
        return responses;
    }

    ReadGate clientReads() {
        return clientReads;
    }

    /** This connection's share of limits.response-memory, for its broker connection's frame decoder. */
    ResponseMemory.Account responseMemory() {
        return responseMemory;
    }

    // ---- connecting -------------------------------------------------------------------------

    /**
     * The client connected to a listener where it must log in first (listener.sasl): read its login
     * now and open the upstream side only once it has logged in ({@link #start}), so a client that
     * never does costs no connection to a broker.
     */
    void awaitLogin() {
        if (state == State.NEW) {
            clientReads.resume(ReadGate.CONNECTING);
        }
    }

    /** The client connected (and logged in, where it must): open the upstream side. */
    void start(UpstreamDialer connector, io.netty.channel.ChannelHandler upstreamInitializer) {
        if (state != State.NEW) {
            return;
        }
        clientReads.pause(ReadGate.CONNECTING);
        state = State.CONNECTING;
        metrics.connections(session.bootstrapListener()).incrementAndGet();
        session.proxy().connections().add(this);
        if (session.target().addresses().isEmpty()) {
            // A port restored from the last run is listening before discovery has found its broker
            // again (up to a second after a restart). Closing the connection at once looked to a
            // client like a broker that drops requests: kafkajs gives up looking for its group
            // coordinator after one such broker and its consumer stops for good. Held, the client's
            // request waits as for a slow broker.
            long deadline = System.nanoTime() + session.proxy().config().limits().upstreamConnectTimeout().toNanos();
            awaitAddress(connector, upstreamInitializer, deadline);
            return;
        }
        dial(connector, upstreamInitializer);
    }

    /** Checks again every {@value #ADDRESS_POLL_MILLIS} ms whether the broker's address is known, until {@code deadline}. */
    private void awaitAddress(UpstreamDialer connector, io.netty.channel.ChannelHandler upstreamInitializer, long deadline) {
        client.eventLoop().schedule(() -> {
            if (state == State.CLOSED) {
                return;
            }
            if (!session.target().addresses().isEmpty()) {
                dial(connector, upstreamInitializer);
            } else if (System.nanoTime() - deadline >= 0) {
                session.fail(ProxyError.UNKNOWN_BROKER, "no upstream address is known for " + session.target().describe()
                    + " (waited limits.upstream-connect-timeout for discovery to find it)");
            } else {
                awaitAddress(connector, upstreamInitializer, deadline);
            }
        }, ADDRESS_POLL_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private void dial(UpstreamDialer connector, io.netty.channel.ChannelHandler upstreamInitializer) {
        var target = session.target();
        connector.connect(client.eventLoop(), target.addresses(), upstreamInitializer, () -> state == State.CLOSED,
            new UpstreamDialer.Outcome() {
                @Override
                public void connected(Channel channel) {
                    onUpstreamConnected(channel);
                }

                @Override
                public void unreachable(String addresses, Throwable lastFailure) {
                    session.fail(ProxyError.UPSTREAM_UNREACHABLE, "cannot reach " + target.describe() + " at " + addresses + ": "
                        + (lastFailure == null ? "unknown" : lastFailure.getMessage()));
                }
            });
    }

    private void onUpstreamConnected(Channel channel) {
        upstream = channel;
        responses.upstreamReads(new ReadGate(channel, 0));
        metrics.upstreamConnections().incrementAndGet();
        channel.closeFuture().addListener(f -> metrics.upstreamConnections().decrementAndGet());
        state = State.FORWARDING;
        if (awaitingUpstream != null) {
            for (HeldRequest held; (held = awaitingUpstream.poll()) != null; ) {
                sendUpstream(held.frame(), held.apiKey());
            }
            awaitingUpstream = null;
            upstream.flush();
        }
        clientReads.resume(ReadGate.CONNECTING);
    }

    // ---- requests ---------------------------------------------------------------------------

    @Override
    public InFlightRequest forward(RequestFrame request) {
        int bytes = request.bytes();
        metrics.request(request.apiKey());
        metrics.clientBytesReceived(bytes);
        if (state == State.CLOSED) {
            request.release();
            return null;
        }
        InFlightRequest slot = null;
        if (request.expectsResponse()) {
            // Read before the slot exists: a frame too short for it is refused with nothing to undo.
            int produceTimeoutMs = request.api == ApiKeys.PRODUCE ? ProduceRequestFrames.timeoutMs(request.frame()) : 0;
            slot = responses.track(request, false);
            if (slot == null) {
                request.release();
                return null;
            }
            slot.fixup = request.fixup();
            slot.produceTimeoutMs = produceTimeoutMs;
            if (request.produced() != null) {
                slot.produced(request.produced());
            } else if (request.api == ApiKeys.PRODUCE && request.decodedOrNull() instanceof ProduceRequestData produce) {
                slot.produce = produce;
            }
        }
        ByteBuf frame = request.takeForUpstream(client.alloc());
        if (upstream == null) {
            // Its slot is already in line, so answers still go out in the order the client asked.
            if (awaitingUpstream == null) {
                awaitingUpstream = new ArrayDeque<>(4);
            }
            awaitingUpstream.add(new HeldRequest(frame, request.apiKey()));
            return slot;
        }
        sendUpstream(frame, request.apiKey());
        if (!upstream.isWritable() && clientReads.pause(ReadGate.PEER_UNWRITABLE)) {
            metrics.clientReadPaused();
        }
        return slot;
    }

    /** Writes a request to the broker (flushed later) and counts it as sent there. */
    private void sendUpstream(ByteBuf frame, short apiKey) {
        metrics.upstreamBytesSent(frame.readableBytes());
        metrics.clusterRequest(session.cluster(), apiKey);
        upstream.write(frame, upstream.voidPromise());
    }

    @Override
    public void flushUpstream() {
        if (upstream != null) {
            upstream.flush();
        }
        if (drained != null) {
            // Requests a wave's fence held have just gone on; those that expect no answer (acks=0)
            // leave nothing in flight to wait for, so look again once they are sent.
            client.eventLoop().execute(this::closeIfDrained);
        }
    }

    // ---- waves ------------------------------------------------------------------------------

    @Override
    public String cluster() {
        return session.cluster();
    }

    @Override
    public boolean isClosed() {
        return state == State.CLOSED;
    }

    @Override
    public EventLoop eventLoop() {
        return client.eventLoop();
    }

    @Override
    public boolean producing(Set<String> topics, TopicIds ids) {
        return PendingProduces.naming(responses.inFlight(), topics, ids);
    }

    @Override
    public boolean sendingTransactional(Predicate<String> transactionalIds) {
        return responses.inFlight().anyAwaitingUpstream(slot -> {
            String id = slot.fixup == null ? null : TransactionTracking.trackedTransactionalId(slot.fixup);
            return id != null && transactionalIds.test(id);
        });
    }

    // ---- the proxy's drain ------------------------------------------------------------------

    @Override
    public void drain(Runnable closed) {
        if (state == State.CLOSED || drained != null) {
            return;
        }
        drained = closed;
        // What is still in the socket was not read, so it was never sent to a broker: the client
        // sends it again after it reconnects. What was read is answered before the close.
        clientReads.pause(ReadGate.DRAINING);
        responses.whenEmpty(() -> client.eventLoop().execute(this::closeIfDrained));
        closeIfDrained();
    }

    /** Closes a draining connection once nothing it sent is waiting: no answer owed, no request held by a fence. */
    private void closeIfDrained() {
        if (drained == null || state == State.CLOSED || responses.size() > 0 || clientReads.isPaused(ReadGate.FENCED)) {
            return;
        }
        Runnable closed = drained;
        drained = null;
        session.proxy().connectionLog().info("closing {}: the proxy is draining (fleet.drain-period); every request it sent was answered",
            session.describeClient());
        // The answers already written go out first; the upstream side gets what was forwarded, then closes.
        client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        // Counted before it leaves the live connections: the last one's leaving ends the drain.
        closed.run();
        clientClosed(true);
    }

    // ---- backpressure -----------------------------------------------------------------------

    void clientWritabilityChanged() {
        responses.clientWritabilityChanged();
    }

    @Override
    public void upstreamWritabilityChanged() {
        if (upstream != null && upstream.isWritable()) {
            clientReads.resume(ReadGate.PEER_UNWRITABLE);
        }
    }

    // ---- closing ----------------------------------------------------------------------------

    /**
     * The client is gone. With {@code graceful}, what it sent before it left still reaches the broker
     * (an acks=0 producer closes right after its last write), and only then is the upstream closed.
     */
    void clientClosed(boolean graceful) {
        if (state == State.CLOSED) {
            return;
        }
        session.markClosed();
        if (state != State.NEW) {
            metrics.connections(session.bootstrapListener()).decrementAndGet();
        }
        session.stale().routedOnCluster();
        state = State.CLOSED;
        session.proxy().connections().remove(this);
        if (upstream != null) {
            // Sent, never answered: the broker may still apply these writes, and a wave's drain must know.
            PendingProduces.recordUncertain(responses.inFlight(), session.cluster(), session.proxy().connections().uncertain(),
                session.rewriteContext().topicIds(), System.nanoTime(), "its connection closed before the answer");
        }
        responses.releaseAll();
        // What the client had not read yet goes back; the broker side's decoder gives back its own when removed.
        responseMemory.close(0);
        if (awaitingUpstream != null) {
            awaitingUpstream.forEach(held -> held.frame().release());
            awaitingUpstream = null;
        }
        if (graceful && upstream != null && upstream.isActive()) {
            upstream.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else if (upstream != null) {
            upstream.close();
        }
    }

    @Override
    public void upstreamClosed() {
        if (state == State.CLOSED) {
            return;
        }
        if (responses.size() > 0) {
            metrics.proxyError(ProxyError.UPSTREAM_FAILURE);
            session.proxy().connectionLog().warn("closing {}: {} closed its connection with {} requests unanswered",
                session.describeClient(), session.target().describe(), responses.size());
        }
        // Responses already written go out before the client is closed.
        client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        clientClosed(false);
    }

    @Override
    public void upstreamFailed(String reason) {
        session.fail(ProxyError.UPSTREAM_FAILURE, reason);
    }

    @Override
    public void upstreamAuthenticated() {
        session.clusterAccepted();
    }

    @Override
    public void upstreamLoginFailed(UpstreamAuthenticationException e) {
        // A client whose login waits for the cluster's verdict is answered as the cluster answered; any other is closed.
        if (!session.clusterRefused(e)) {
            upstreamFailed("upstream connection failed: " + e);
        }
    }
}
