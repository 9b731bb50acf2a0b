package io.cutover.proxy.server.net;

import io.cutover.proxy.core.capture.Capture;
import io.cutover.proxy.core.capture.RequestTopics;
import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.codec.ProduceRequestFrames;
import io.cutover.proxy.core.codec.RequestFrames;
import io.cutover.proxy.core.rewrite.ClusterNodeMapper;
import io.cutover.proxy.core.rewrite.RewriteContext;
import io.cutover.proxy.core.routing.ClientRoutes;
import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.core.routing.data.Misrouted;
import io.cutover.proxy.server.metrics.ProxyError;
import io.cutover.proxy.server.metrics.ProxyMetrics;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * One client connection and the upstream connection it is paired with. Both channels live on the
 * same event loop, so this state is touched by one thread only and needs no locks.
 *
 * <p>Lifecycle: CONNECTING (client reads paused until the upstream connection is up), then
 * FORWARDING, then CLOSED. Whichever side closes first, the other is closed too, and every response
 * still held is released.
 */
final class ProxyConnection {
    private enum State { NEW, CONNECTING, FORWARDING, CLOSED }

    private final ProxyContext ctx;
    private final ProxyMetrics metrics;
    private final Channel client;
    private final UpstreamTarget target;
    private final boolean bootstrapListener;
    private final InFlightRequests inFlight;
    private final int inFlightSoftLimit;
    private final ReadGate clientReads;
    private ReadGate upstreamReads;
    private Channel upstream;
    private State state = State.NEW;
    private boolean clientFlushPending;
    private String clientId;
    private final RewriteContext rewrite;
    private ClientRoutes routes;
    private static final java.util.concurrent.atomic.AtomicLong CONNECTION_IDS = new java.util.concurrent.atomic.AtomicLong();
    private final long connectionId = CONNECTION_IDS.incrementAndGet();
    /** The capture this connection last saw, whether it is selected by it, and its requests awaiting responses. */
    private Capture capture;
    private boolean captured;
    private CapturedRequests capturedRequests;

    ProxyConnection(ProxyContext ctx, Channel client, UpstreamTarget target, boolean bootstrapListener) {
        this.ctx = ctx;
        this.metrics = ctx.metrics();
        this.client = client;
        this.target = target;
        this.bootstrapListener = bootstrapListener;
        this.inFlightSoftLimit = ctx.config().limits().maxInFlightRequestsPerConnection();
        this.inFlight = new InFlightRequests(inFlightSoftLimit);
        // The client channel starts with autoRead off (a child option), so nothing is read before
        // there is an upstream to send it to.
        this.clientReads = new ReadGate(client, ReadGate.CONNECTING);
        this.rewrite = ctx.routing().context().rewrite(target.cluster());
    }

    io.netty.buffer.ByteBufAllocator alloc() {
        return client.alloc();
    }

    private boolean stale;

    /**
     * Counts errors the proxy sends to make a client refresh its metadata or coordinator, and marks
     * this connection as a moved client still seen on its old cluster.
     */
    void forcedRefresh(org.apache.kafka.common.protocol.Errors error, int count) {
        metrics.forcedRefresh(error, count);
        if (!stale) {
            stale = true;
            metrics.staleClients(target.cluster()).incrementAndGet();
        }
    }

    /** A request served wholly on this connection's cluster: the client is not (or no longer) stale here. */
    void routedOnCluster() {
        if (stale) {
            stale = false;
            metrics.staleClients(target.cluster()).decrementAndGet();
        }
    }

    /** Closes a client that cannot be told to move any other way; it reconnects and refreshes. */
    void closeForRouting(String why) {
        if (state == State.CLOSED) {
            return;
        }
        metrics.forcedRefresh(org.apache.kafka.common.protocol.Errors.NOT_LEADER_OR_FOLLOWER, 1);
        ctx.connectionLog().info("closing {}: {}", describeClient(), why);
        client.close();
        clientClosed();
    }

    /** The cluster this connection's upstream belongs to. */
    String cluster() {
        return target.cluster();
    }

    RewriteContext rewriteContext() {
        return rewrite;
    }

    /** The route table as this client sees it; rebuilt only when the table changed. */
    ClientRoutes routes() {
        ClientRoutes current = ctx.routing().routesFor(identity(), routes);
        routes = current;
        return current;
    }

    private ClientSelector.ClientIdentity identity;
    /** Route table version this connection's last Fetch saw; -1 before the first. */
    private long fetchRoutesVersion = -1;

    /**
     * True when a routing change happened since this connection's last Fetch and the request
     * continues a fetch session: the session may hold partitions that moved, so it is reset
     * (KIP-227 sessions are per broker connection and cannot follow a partition to another cluster).
     */
    boolean fetchSessionMustReset(int sessionId, int sessionEpoch, long routesVersion) {
        boolean reset = fetchRoutesVersion != -1 && fetchRoutesVersion != routesVersion && sessionId != 0 && sessionEpoch > 0;
        fetchRoutesVersion = routesVersion;
        return reset;
    }

    ClientSelector.ClientIdentity identity() {
        if (identity == null) {
            InetSocketAddress remote = (InetSocketAddress) client.remoteAddress();
            identity = new ClientSelector.ClientIdentity(clientId, remote == null ? null : remote.getAddress());
        }
        return identity;
    }

    ClusterNodeMapper nodeMapper() {
        return ctx.nodeMapper(target.cluster());
    }

    ProxyContext context() {
        return ctx;
    }

    boolean isClosed() {
        return state == State.CLOSED;
    }

    String clientId() {
        return clientId;
    }

    void rememberClientId(ByteBuf firstFrame) {
        if (clientId == null) {
            String id = RequestFrames.clientId(firstFrame);
            clientId = id == null ? "" : id;
        }
    }

    // ---- waves --------------------------------------------------------------------------------

    /** A Produce the router decoded, handed to the slot the next forward creates (same thread, same frame). */
    private org.apache.kafka.common.message.ProduceRequestData pendingProduce;

    void noteProduce(org.apache.kafka.common.message.ProduceRequestData produce) {
        pendingProduce = produce;
        pendingProduced = null;
    }

    /** As above, for a Produce routed in place: what it names, in the router's holder (copied by the slot). */
    private io.cutover.proxy.core.routing.data.ProducedTopics pendingProduced;

    void noteProduce(io.cutover.proxy.core.routing.data.ProducedTopics produced) {
        pendingProduced = produced;
        pendingProduce = null;
    }

    /** A transaction request the router is about to forward: its answer is to be tracked (see TransactionTracking). */
    private String pendingTransactionalId;
    private ConnectionTransactions transactions;

    void noteTransaction(String transactionalId) {
        pendingTransactionalId = transactionalId;
    }

    /** The transactional ids this connection has had transactions recorded for; made on first use. */
    ConnectionTransactions transactions() {
        if (transactions == null) {
            transactions = new ConnectionTransactions();
        }
        return transactions;
    }

    io.netty.channel.EventLoop eventLoop() {
        return client.eventLoop();
    }

    /** True while a Produce naming one of {@code topics} waits for its broker's answer. Call on the event loop. */
    boolean producing(java.util.Set<String> topics, io.cutover.proxy.core.virtual.TopicIds ids) {
        return inFlight.anyAwaitingUpstream(slot -> {
            if (slot.apiKey != ApiKeys.PRODUCE.id) {
                return false;
            }
            if (slot.produce == null) {
                var produced = slot.produced();
                // Not decoded and not read in place (one cluster): assume it may be one of them.
                return produced == null || produced.namesAny(topics);
            }
            for (var t : slot.produce.topicData()) {
                String name = t.name() != null && !t.name().isEmpty() ? t.name() : ids.nameOfVirtual(t.topicId());
                if (name == null || topics.contains(name)) {
                    return true;
                }
            }
            return false;
        });
    }

    void pauseForFence() {
        clientReads.pause(ReadGate.FENCED);
    }

    void resumeAfterFence() {
        clientReads.resume(ReadGate.FENCED);
    }

    // ---- capture ----------------------------------------------------------------------------

    /** Offers a request, as the client sent it, to a running capture, if its filter selects it. */
    void captureRequest(Capture running, ByteBuf frame) {
        if (running != capture) {
            capture = running;
            captured = running.spec().filter().matchesConnection(bootstrapListener, target.virtualNodeId(), clientId);
            if (captured) {
                running.connectionSelected();
                if (capturedRequests == null) {
                    capturedRequests = new CapturedRequests(inFlightSoftLimit + 1);
                }
                capturedRequests.clear();
            }
        }
        if (!captured || !running.isRunning()) {
            return;
        }
        var filter = running.spec().filter();
        if (filter.filtersTopics() && !filter.matchesTopics(RequestTopics.of(frame, id -> rewrite.topicIds().nameOf(target.cluster(), id)))) {
            return;
        }
        if (running.offer(connectionId, (InetSocketAddress) client.remoteAddress(), (InetSocketAddress) client.localAddress(), true, frame)
            && expectsResponse(frame)) {
            capturedRequests.add(RequestFrames.correlationId(frame));
        }
    }

    private static boolean expectsResponse(ByteBuf frame) {
        return RequestFrames.apiKey(frame) != ApiKeys.PRODUCE.id || ProduceRequestFrames.acks(frame) != 0;
    }

    private void captureResponse(int correlationId, ByteBuf response) {
        Capture running = capture;
        if (captured && capturedRequests.takeIfHead(correlationId) && running.isRunning()) {
            running.offer(connectionId, (InetSocketAddress) client.remoteAddress(), (InetSocketAddress) client.localAddress(), false,
                response);
        }
    }

    // ---- connecting -------------------------------------------------------------------------

    void start() {
        if (state != State.NEW) {
            return;
        }
        state = State.CONNECTING;
        metrics.connections(bootstrapListener).incrementAndGet();
        ctx.connections().add(this);
        List<InetSocketAddress> addresses = target.addresses();
        if (addresses.isEmpty()) {
            fail(ProxyError.UNKNOWN_BROKER, "no upstream address is known for " + target.describe());
            return;
        }
        connect(addresses, 0, null);
    }

    private void connect(List<InetSocketAddress> addresses, int index, Throwable lastFailure) {
        if (state == State.CLOSED) {
            return;
        }
        if (index >= addresses.size()) {
            fail(ProxyError.UPSTREAM_UNREACHABLE, "cannot reach " + target.describe() + " at " + hostPorts(addresses) + ": "
                + (lastFailure == null ? "unknown" : lastFailure.getMessage()));
            return;
        }
        Bootstrap b = new Bootstrap()
            .group(client.eventLoop())
            .channel(ctx.transport().channel())
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.SO_KEEPALIVE, true)
            .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Watermarks.DEFAULT)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, ctx.config().limits().upstreamConnectTimeout().toMillis()))
            .handler(new UpstreamChannelInitializer(this));
        b.connect(addresses.get(index)).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                onUpstreamConnected(f.channel());
            } else {
                connect(addresses, index + 1, f.cause());
            }
        });
    }

    private void onUpstreamConnected(Channel channel) {
        if (state == State.CLOSED) {
            channel.close();
            return;
        }
        upstream = channel;
        upstreamReads = new ReadGate(channel, 0);
        metrics.upstreamConnections().incrementAndGet();
        channel.closeFuture().addListener(f -> metrics.upstreamConnections().decrementAndGet());
        state = State.FORWARDING;
        clientReads.resume(ReadGate.CONNECTING);
    }

    // ---- requests ---------------------------------------------------------------------------

    /** Sends a client frame upstream as it is; registers it for a response unless none will come. */
    void forward(ByteBuf frame, short apiKey, short apiVersion, int correlationId, boolean expectsResponse) {
        forward(frame, apiKey, apiVersion, correlationId, expectsResponse, null);
    }

    /**
     * As above; the response will also report {@code misrouted}, the partitions taken out of the
     * request. Returns the request's slot (null when no response is expected or the connection is
     * gone), on which the caller may note what the response needs.
     */
    InFlightRequest forward(ByteBuf frame, short apiKey, short apiVersion, int correlationId, boolean expectsResponse, Misrouted misrouted) {
        int bytes = frame.readableBytes();
        metrics.request(apiKey);
        metrics.clientBytesReceived(bytes);
        // What the router noted belongs to this request only, whatever becomes of it.
        String trackedTransactionalId = pendingTransactionalId;
        pendingTransactionalId = null;
        if (state != State.FORWARDING) {
            frame.release();
            return null;
        }
        InFlightRequest slot = null;
        if (expectsResponse) {
            slot = track(correlationId, apiKey, apiVersion, false);
            if (slot == null) {
                frame.release();
                return null;
            }
            slot.misrouted = misrouted;
            if (apiKey == ApiKeys.PRODUCE.id) {
                slot.produce = pendingProduce;
                if (pendingProduced != null) {
                    slot.producedInPlace(pendingProduced);
                }
            }
            if (trackedTransactionalId != null) {
                slot.transactionalId = trackedTransactionalId;
                slot.tracksTransaction = true;
            }
        }
        pendingProduce = null;
        pendingProduced = null;
        metrics.upstreamBytesSent(bytes);
        metrics.clusterRequest(target.cluster(), apiKey);
        upstream.write(frame, upstream.voidPromise());
        if (!upstream.isWritable() && clientReads.pause(ReadGate.PEER_UNWRITABLE)) {
            metrics.clientReadPaused();
        }
        return slot;
    }

    /** Answers a request without asking upstream, in its place in the response order. */
    void answerLocally(ByteBuf response, short apiKey, short apiVersion, int correlationId, int requestBytes) {
        metrics.request(apiKey);
        metrics.clientBytesReceived(requestBytes);
        InFlightRequest slot = state == State.CLOSED ? null : track(correlationId, apiKey, apiVersion, true);
        if (slot == null) {
            response.release();
            return;
        }
        slot.response = response;
        drainResponses();
        flushClient();
    }

    /**
     * Answers a request with a response the proxy is still building (from its own links to the
     * clusters); its place in the response order is held meanwhile.
     */
    void answerLater(ApiKeys api, short apiVersion, int correlationId, int requestBytes, CompletionStage<? extends ApiMessage> answer) {
        metrics.request(api.id);
        metrics.clientBytesReceived(requestBytes);
        InFlightRequest slot = state == State.CLOSED ? null : track(correlationId, api.id, apiVersion, true);
        if (slot == null) {
            return;
        }
        answer.whenComplete((message, failure) -> client.eventLoop().execute(() -> {
            if (state == State.CLOSED) {
                return;
            }
            if (failure != null) {
                Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
                fail(ProxyError.UPSTREAM_UNREACHABLE, "cannot answer " + api.name + ": " + cause.getMessage());
                return;
            }
            short headerVersion = api == ApiKeys.API_VERSIONS ? 0 : api.responseHeaderVersion(apiVersion);
            slot.response = MessageCodec.encodeResponse(client.alloc(), correlationId, headerVersion, apiVersion, message);
            drainResponses();
            flushClient();
        }));
    }

    private InFlightRequest track(int correlationId, short apiKey, short apiVersion, boolean local) {
        InFlightRequest slot = inFlight.add(correlationId, apiKey, apiVersion, System.nanoTime(), local);
        if (slot == null) {
            fail(ProxyError.TOO_MANY_IN_FLIGHT, "more than " + inFlightSoftLimit + " requests in flight");
            return null;
        }
        if (inFlight.size() >= inFlightSoftLimit && clientReads.pause(ReadGate.TOO_MANY_IN_FLIGHT)) {
            metrics.clientReadPaused();
        }
        return slot;
    }

    void flushUpstream() {
        if (upstream != null) {
            upstream.flush();
        }
    }

    // ---- responses --------------------------------------------------------------------------

    /**
     * Matches an upstream response to its request. Brokers answer in request order, so it must be
     * the oldest one still waiting.
     */
    InFlightRequest correlate(ByteBuf frame, int correlationId) {
        InFlightRequest slot = inFlight.oldestAwaitingUpstream();
        if (slot == null || slot.correlationId != correlationId) {
            fail(ProxyError.UPSTREAM_FAILURE, target.describe() + " answered correlation id " + correlationId
                + " but " + (slot == null ? "no request was waiting" : "correlation id " + slot.correlationId + " was next"));
            return null;
        }
        metrics.upstreamBytesReceived(frame.readableBytes());
        slot.response = frame;
        return slot;
    }

    /** Writes every answered response at the head of the queue to the client, in order. */
    void drainResponses() {
        InFlightRequest head;
        long now = 0;
        while ((head = inFlight.head()) != null && head.isAnswered()) {
            if (now == 0) {
                now = System.nanoTime();
            }
            ByteBuf response = head.response;
            metrics.response(head.apiKey, now - head.arrivalNanos);
            metrics.clientBytesSent(response.readableBytes());
            inFlight.removeHead();
            if (capture != null) {
                captureResponse(head.correlationId, response);
            }
            client.write(response, client.voidPromise());
            clientFlushPending = true;
        }
        if (inFlight.size() < inFlightSoftLimit) {
            clientReads.resume(ReadGate.TOO_MANY_IN_FLIGHT);
        }
        if (!client.isWritable() && upstreamReads != null && upstreamReads.pause(ReadGate.PEER_UNWRITABLE)) {
            metrics.upstreamReadPaused();
        }
    }

    void flushClient() {
        if (clientFlushPending) {
            clientFlushPending = false;
            client.flush();
        }
    }

    // ---- backpressure -----------------------------------------------------------------------

    void clientWritabilityChanged() {
        if (client.isWritable() && upstreamReads != null) {
            upstreamReads.resume(ReadGate.PEER_UNWRITABLE);
        }
    }

    void upstreamWritabilityChanged() {
        if (upstream != null && upstream.isWritable()) {
            clientReads.resume(ReadGate.PEER_UNWRITABLE);
        }
    }

    // ---- closing ----------------------------------------------------------------------------

    /**
     * Refuses a request a handler could not read: releases the frame, which the handler still owns,
     * and closes the connection as for any malformed request. Whatever a handler throws while reading
     * a client's bytes, the bytes are what was wrong; a bug that only such bytes reach is named in
     * the log line (exception and where it was thrown) so it can be found.
     */
    void refuseMalformed(ByteBuf frame, String what, RuntimeException e) {
        frame.release();
        fail(ProxyError.MALFORMED_FRAME, "malformed " + what + ": " + describe(e));
    }

    private static String describe(RuntimeException e) {
        if (e instanceof io.cutover.proxy.core.codec.MalformedFrameException) {
            return e.getMessage();
        }
        StackTraceElement[] trace = e.getStackTrace();
        return e + (trace.length == 0 ? "" : " at " + trace[0]);
    }

    /** Logs one line, counts the error, and closes this connection pair only. */
    void fail(ProxyError error, String reason) {
        if (state == State.CLOSED) {
            return;
        }
        metrics.proxyError(error);
        ctx.connectionLog().warn("closing {}: {} ({})", describeClient(), reason, error);
        client.close();
        clientClosed();
    }

    void closeIdle() {
        if (state == State.CLOSED) {
            return;
        }
        metrics.proxyError(ProxyError.IDLE_TIMEOUT);
        ctx.connectionLog().info("closing {}: idle for {} (limits.client-idle-timeout)", describeClient(),
            ctx.config().limits().clientIdleTimeout());
        client.close();
        clientClosed();
    }

    void clientClosed() {
        clientClosed(false);
    }

    /**
     * The client is gone. With {@code graceful}, what it sent before it left still reaches the broker
     * (an acks=0 producer closes right after its last write), and only then is the upstream closed.
     */
    void clientClosed(boolean graceful) {
        if (state == State.CLOSED) {
            return;
        }
        if (state != State.NEW) {
            metrics.connections(bootstrapListener).decrementAndGet();
        }
        if (stale) {
            stale = false;
            metrics.staleClients(target.cluster()).decrementAndGet();
        }
        state = State.CLOSED;
        ctx.connections().remove(this);
        if (captured) {
            capture.closed(connectionId, true);
        }
        inFlight.releaseAll();
        if (graceful && upstream != null && upstream.isActive()) {
            upstream.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
        } else {
            closeUpstream();
        }
    }

    void upstreamClosed() {
        if (state == State.CLOSED) {
            return;
        }
        if (inFlight.size() > 0) {
            metrics.proxyError(ProxyError.UPSTREAM_FAILURE);
            ctx.connectionLog().warn("closing {}: {} closed its connection with {} requests unanswered",
                describeClient(), target.describe(), inFlight.size());
        }
        // Responses already written go out before the client is closed.
        client.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
        clientClosed();
    }

    private void closeUpstream() {
        if (upstream != null) {
            upstream.close();
        }
    }

    private static String hostPorts(List<InetSocketAddress> addresses) {
        StringBuilder sb = new StringBuilder();
        for (InetSocketAddress a : addresses) {
            sb.append(sb.length() == 0 ? "" : ", ").append(a.getHostString()).append(':').append(a.getPort());
        }
        return sb.toString();
    }

    String describeClient() {
        return "client " + client.remoteAddress() + (clientId == null || clientId.isEmpty() ? "" : " (client.id " + clientId + ")")
            + " on the " + (bootstrapListener ? "bootstrap listener" : "listener for " + target.describe());
    }
}
