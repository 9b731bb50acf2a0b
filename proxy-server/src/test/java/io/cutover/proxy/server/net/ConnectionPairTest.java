package io.cutover.proxy.server.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.server.upstream.UpstreamDialer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * ConnectionPair while its upstream connection is still opening. The client's reads are paused then,
 * but a request that arrives all the same (the SslHandler and the frame decoder may read while reads
 * are paused) used to be dropped without a word, and its client waited out its own timeout: five
 * minutes for a JoinGroup.
 */
class ConnectionPairTest {
    private final HandlerFixture fixture = HandlerFixture.oneCluster();
    private final EmbeddedChannel client = HandlerFixture.clientChannel();
    private final EmbeddedChannel upstream = new EmbeddedChannel();
    /** The one connect the pair asked for; answered when the test says the upstream is up. */
    private UpstreamDialer.Outcome pending;
    private final UpstreamDialer dialer = (loop, addresses, initializer, abandoned, outcome) -> pending = outcome;

    @AfterEach
    void releaseAll() {
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    private static RequestFrame joinGroup(int correlationId) {
        return HandlerFixture.requestFrame(new JoinGroupRequestData().setGroupId("orders").setProtocolType("consumer")
            .setSessionTimeoutMs(45_000).setRebalanceTimeoutMs(300_000), (short) 9, correlationId);
    }

    private static RequestFrame heartbeat(int correlationId) {
        return HandlerFixture.requestFrame(new HeartbeatRequestData().setGroupId("orders").setMemberId("m-1").setGenerationId(1),
            (short) 4, correlationId);
    }

    /** cutover_proxy_cluster_requests_total, over every API. */
    private double requestsSentToCluster() {
        return fixture.registry.find("cutover.proxy.cluster.requests").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private List<Integer> correlationIdsSentUpstream() {
        List<Integer> ids = new ArrayList<>();
        ByteBuf frame;
        while ((frame = upstream.readOutbound()) != null) {
            try {
                ids.add(MessageCodec.decodeRequestHeader(frame).correlationId());
            } finally {
                frame.release();
            }
        }
        return ids;
    }

    @Test
    void requestsReadWhileTheUpstreamOpensAreSentInOrderOnceItIsUp() {
        ConnectionPair pair = new ConnectionPair(fixture.session(client));
        pair.start(dialer, null);
        assertNotNull(pending, "the pair asked for its upstream connection");

        assertNotNull(pair.forward(joinGroup(7)), "the JoinGroup waits for its answer");
        assertNotNull(pair.forward(heartbeat(8)));
        assertEquals(2, pair.responses().size(), "both are owed an answer");
        assertEquals(List.of(), correlationIdsSentUpstream(), "nothing can be sent before the upstream is up");
        assertEquals(0, requestsSentToCluster(), "a held request is not yet counted as sent to its cluster");

        pending.connected(upstream);
        assertEquals(List.of(7, 8), correlationIdsSentUpstream(), "sent as soon as it is up, in the order read");
        assertEquals(2, requestsSentToCluster(), "counted once sent");

        // What comes after goes straight on, behind them.
        pair.forward(heartbeat(9));
        pair.flushUpstream();
        assertEquals(List.of(9), correlationIdsSentUpstream());
    }

    @Test
    void aClientThatLeavesBeforeTheUpstreamIsUpLeavesNothingHeld() {
        ConnectionPair pair = new ConnectionPair(fixture.session(client));
        pair.start(dialer, null);
        RequestFrame request = joinGroup(7);
        ByteBuf frame = request.frame();
        pair.forward(request);
        assertEquals(1, frame.refCnt(), "held for the upstream");

        pair.clientClosed(false);
        assertEquals(0, frame.refCnt(), "released with the connection");
        assertEquals(0, requestsSentToCluster(), "never sent, never counted as sent (a test waiting on the count would think it was)");
        assertTrue(pair.isClosed());
        // A late connect finds the client gone: the pair's connector abandons it, and nothing is sent.
        assertNull(upstream.readOutbound());
    }
}
