package io.cutover.proxy.server.net;

import static io.cutover.proxy.server.net.HandlerFixture.requestFrame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.server.wave.WaveTransactionalIds;
import io.cutover.proxy.server.wave.WriteFence;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Set;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WriteFenceHandlerTest {
    private final HandlerFixture fixture = HandlerFixture.oneCluster();
    private final EmbeddedChannel client = HandlerFixture.clientChannel();
    private final RecordingPeers peers = new RecordingPeers();
    private final WriteFence fence = new WriteFence(Set.of("orders"), Set.of("billing"), "source", ClientSelector.ANY, 1 << 20);

    @BeforeEach
    void pipeline() {
        ClientSession session = fixture.session(client);
        client.pipeline().addLast(new WriteFenceHandler(session, new ReadGate(client, 0), peers, peers));
        fixture.fences.raise(fence);
    }

    @AfterEach
    void releaseWhatPassed() {
        Object m;
        while ((m = client.readInbound()) != null) {
            ((RequestFrame) m).release();
        }
        client.finishAndReleaseAll();
    }

    private static RequestFrame produceTo(String topic, int correlationId) {
        ProduceRequestData produce = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000);
        produce.topicData().add(new ProduceRequestData.TopicProduceData().setName(topic));
        return requestFrame(produce, (short) 9, correlationId);
    }

    private static RequestFrame metadata(int correlationId) {
        return requestFrame(new MetadataRequestData(), (short) 12, correlationId);
    }

    @Test
    void aProduceToAFencedTopicAndEverythingAfterItAreHeldAndTheClientIsNotRead() {
        client.writeInbound(produceTo("orders", 1));
        client.writeInbound(metadata(2));
        client.writeInbound(produceTo("payments", 3));

        assertNull(client.readInbound(), "nothing passed the fence");
        assertFalse(client.config().isAutoRead(), "the client is not read while requests are held");
        assertEquals(3, fence.heldRequests());
        assertEquals(1, fence.heldConnections());
    }

    @Test
    void onReleaseTheHeldRequestsContinueInOrderAndTheClientIsReadAgain() {
        client.writeInbound(produceTo("orders", 1));
        client.writeInbound(metadata(2));
        client.writeInbound(produceTo("payments", 3));

        fence.release();
        assertNull(client.readInbound(), "released on the connection's event loop, not the caller's thread");
        client.runPendingTasks();

        for (int expected = 1; expected <= 3; expected++) {
            RequestFrame r = client.readInbound();
            assertEquals(expected, r.correlationId);
            r.release();
        }
        assertTrue(client.config().isAutoRead());
        assertEquals(1, peers.upstreamFlushes);
        assertEquals(1, peers.clientFlushes);
    }

    @Test
    void aProduceToAnotherTopicPasses() {
        RequestFrame other = produceTo("payments", 1);
        client.writeInbound(other);

        assertSame(other, client.readInbound());
        assertTrue(client.config().isAutoRead());
        assertEquals(0, fence.heldRequests());
        other.release();
    }

    @Test
    void anOffsetCommitForAFencedGroupIsHeld() {
        client.writeInbound(requestFrame(new OffsetCommitRequestData().setGroupId("billing"), (short) 8, 1));
        assertNull(client.readInbound());
        assertEquals(1, fence.heldRequests());
    }

    @Test
    void aFenceOnTheOtherClusterHoldsNothingHere() {
        fixture.fences.lower(fence);
        WriteFence elsewhere = new WriteFence(Set.of("orders"), Set.of(), "target", ClientSelector.ANY, 1 << 20);
        fixture.fences.raise(elsewhere);

        RequestFrame produce = produceTo("orders", 1);
        client.writeInbound(produce);
        assertSame(produce, client.readInbound());
        produce.release();
    }

    @Test
    void heldRequestsAreReleasedWhenTheClientLeaves() {
        RequestFrame produce = produceTo("orders", 1);
        RequestFrame after = metadata(2);
        client.writeInbound(produce);
        client.writeInbound(after);
        ByteBuf produceBytes = produce.frame();
        ByteBuf afterBytes = after.frame();

        client.close();

        assertEquals(0, produceBytes.refCnt());
        assertEquals(0, afterBytes.refCnt());
        fence.release();
        client.runPendingTasks();
        assertNull(client.readInbound(), "a release after the client left passes nothing on");
    }

    /** A fence at a transaction boundary for the transactional id "app-txn", whose transaction is open when {@code open} holds it. */
    private WriteFence boundary(Set<String> open) {
        fixture.fences.lower(fence);
        WriteFence atBoundary = new WriteFence(Set.of("orders"), Set.of("billing"), "source", ClientSelector.ANY, 1 << 20,
            new WaveTransactionalIds(Set.of("app-txn"), Set.of()), open::contains);
        fixture.fences.raise(atBoundary);
        return atBoundary;
    }

    private static RequestFrame transactionalProduceTo(String topic, String transactionalId, int correlationId) {
        ProduceRequestData produce = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000).setTransactionalId(transactionalId);
        produce.topicData().add(new ProduceRequestData.TopicProduceData().setName(topic));
        return requestFrame(produce, (short) 9, correlationId);
    }

    @Test
    void atATransactionBoundaryTheNextTransactionOfAMovingIdIsHeldAndWritesStillPass() {
        WriteFence atBoundary = boundary(Set.of());
        RequestFrame plain = produceTo("orders", 1);
        client.writeInbound(plain);
        assertSame(plain, client.readInbound(), "writes are not held yet");
        plain.release();

        client.writeInbound(requestFrame(new AddPartitionsToTxnRequestData().setV3AndBelowTransactionalId("app-txn"), (short) 3, 2));
        client.writeInbound(metadata(3));
        assertNull(client.readInbound(), "a new transaction of app-txn waits, with what follows it");
        assertEquals(2, atBoundary.heldRequests());
    }

    @Test
    void atATransactionBoundaryTheTransactionInProgressGoesOnAndOtherIdsPass() {
        boundary(Set.of("app-txn"));
        RequestFrame inProgress = transactionalProduceTo("orders", "app-txn", 1);
        client.writeInbound(inProgress);
        assertSame(inProgress, client.readInbound());
        inProgress.release();
        RequestFrame endTxn = requestFrame(new EndTxnRequestData().setTransactionalId("app-txn").setCommitted(true), (short) 4, 2);
        client.writeInbound(endTxn);
        assertSame(endTxn, client.readInbound(), "EndTxn never waits");
        endTxn.release();
        RequestFrame other = requestFrame(new AddOffsetsToTxnRequestData().setTransactionalId("other-txn").setGroupId("g"), (short) 3, 3);
        client.writeInbound(other);
        assertSame(other, client.readInbound(), "an id the wave does not move passes");
        other.release();
    }

    @Test
    void aNewProducerSessionOfAMovingIdWaitsEvenMidTransaction() {
        boundary(Set.of("app-txn"));
        client.writeInbound(requestFrame(new InitProducerIdRequestData().setTransactionalId("app-txn").setTransactionTimeoutMs(60_000),
            (short) 4, 1));
        assertNull(client.readInbound());
    }

    @Test
    void aHeldRequestWhoseTransactionWasBegunMeanwhileIsLetGo() {
        Set<String> open = new java.util.HashSet<>();
        WriteFence atBoundary = boundary(open);
        client.writeInbound(transactionalProduceTo("orders", "app-txn", 1));
        assertNull(client.readInbound(), "taken for the beginning of the next transaction");

        atBoundary.reconsider();
        client.runPendingTasks();
        assertNull(client.readInbound(), "still no transaction open: it stays held");

        open.add("app-txn"); // another request of the same transaction, to another broker, opened it
        atBoundary.reconsider();
        client.runPendingTasks();
        RequestFrame released = client.readInbound();
        assertEquals(1, released.correlationId);
        released.release();
        assertTrue(client.config().isAutoRead());
    }

    @Test
    void onceTheWritesAreHeldTheFenceHoldsAsBefore() {
        WriteFence atBoundary = boundary(Set.of());
        atBoundary.holdWrites();
        client.writeInbound(produceTo("orders", 1));
        assertNull(client.readInbound());
        assertEquals(1, atBoundary.heldRequests());
    }
}
