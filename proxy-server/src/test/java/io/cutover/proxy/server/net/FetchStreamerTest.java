package io.cutover.proxy.server.net;

import static io.cutover.proxy.server.net.HandlerFixture.response;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.codec.ResponseFrames;
import io.cutover.proxy.server.metrics.ProxyError;
import io.cutover.proxy.server.wire.KafkaFrameDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * FetchStreamer behind the response frame decoder: a large Fetch response the client awaits next
 * goes to it in pieces as the broker's reads come in, and the pieces and the rest add up to the
 * response; anything else waits whole.
 */
class FetchStreamerTest {
    private static final short VERSION = 17;
    private static final int CORRELATION_ID = 41;
    private static final int READ_BYTES = 16 * 1024;

    private final HandlerFixture fixture = HandlerFixture.oneCluster();
    private final EmbeddedChannel client = HandlerFixture.clientChannel();
    private final ClientSession session = fixture.session(client);
    private final RecordingPeers peers = new RecordingPeers();
    private final FetchStreamer streamer = new FetchStreamer(session, peers);
    private final EmbeddedChannel upstream;
    private final InFlightRequest fetch = new InFlightRequest();

    FetchStreamerTest() {
        KafkaFrameDecoder frames = new KafkaFrameDecoder(1 << 24, ResponseFrames.MIN_FRAME_BYTES, "response");
        frames.partialFrames(streamer, FetchStreamer.MIN_FRAME_BYTES);
        upstream = new EmbeddedChannel(frames);
        fetch.set(CORRELATION_ID, ApiKeys.FETCH.id, VERSION, System.nanoTime(), false);
    }

    @AfterEach
    void releaseAll() {
        peers.sentAhead.forEach(ByteBuf::release);
        upstream.finishAndReleaseAll();
        client.finishAndReleaseAll();
        fetch.clear();
    }

    /** A response of about {@code kib} KiB of records in one partition. */
    private static ByteBuf fetchResponse(int correlationId, int kib, boolean leaderHintAfterRecords) {
        ByteBuffer all = ByteBuffer.allocate(kib * 1024 + 4096);
        long offset = 0;
        while (all.position() < kib * 1024) {
            MemoryRecords batch = MemoryRecords.withRecords((byte) 2, offset, Compression.NONE, TimestampType.CREATE_TIME, -1L,
                (short) -1, -1, 3, false, new SimpleRecord(new byte[1000]), new SimpleRecord(new byte[1000]));
            all.put(batch.buffer());
            offset += 2;
        }
        all.flip();
        List<FetchResponseData.PartitionData> partitions = new ArrayList<>();
        partitions.add(new FetchResponseData.PartitionData().setPartitionIndex(0).setHighWatermark(offset)
            .setRecords(MemoryRecords.readableRecords(all)));
        FetchResponseData data = new FetchResponseData();
        if (leaderHintAfterRecords) {
            FetchResponseData.PartitionData moved = new FetchResponseData.PartitionData().setPartitionIndex(1)
                .setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code()).setHighWatermark(-1);
            moved.currentLeader().setLeaderId(2).setLeaderEpoch(4);
            partitions.add(moved);
            data.nodeEndpoints().add(new FetchResponseData.NodeEndpoint().setNodeId(2).setHost("source-kafka-2").setPort(9092));
        }
        data.responses().add(new FetchResponseData.FetchableTopicResponse().setTopicId(new Uuid(4, 4)).setPartitions(partitions));
        return response(ApiKeys.FETCH, VERSION, correlationId, data);
    }

    /** Feeds {@code frame} to the decoder a read at a time; returns the whole frame the decoder passed on. */
    private ByteBuf arrive(ByteBuf frame) {
        while (frame.isReadable()) {
            upstream.writeInbound(frame.readRetainedSlice(Math.min(READ_BYTES, frame.readableBytes())));
        }
        frame.release();
        ByteBuf whole = upstream.readInbound();
        assertTrue(whole != null, "the decoder passed the whole frame on");
        return whole;
    }

    private byte[] sentAhead() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        peers.sentAhead.forEach(piece -> out.writeBytes(ByteBufUtil.getBytes(piece)));
        return out.toByteArray();
    }

    @Test
    void theResponseTheClientAwaitsNextGoesAheadAsItArrives() {
        peers.next = fetch;
        ByteBuf frame = fetchResponse(CORRELATION_ID, 256, false);
        byte[] original = ByteBufUtil.getBytes(frame);

        fetch.response = arrive(frame);

        assertTrue(peers.sentAhead.size() > 5, "a piece per read or so: " + peers.sentAhead.size());
        assertEquals(sentAhead().length, fetch.streamed, "the slot knows what went ahead");
        assertTrue(fetch.streamed > original.length - 4 * READ_BYTES, "all but the last reads went ahead: " + fetch.streamed);
        assertTrue(streamer.finish(fetch));
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        received.writeBytes(sentAhead());
        received.writeBytes(ByteBufUtil.getBytes(fetch.response, fetch.response.readerIndex() + fetch.streamed,
            fetch.response.readableBytes() - fetch.streamed));
        assertArrayEquals(original, received.toByteArray(), "the pieces and the rest are the response");
        assertEquals(1.0, fixture.registry.get("cutover.proxy.fetch.responses.streamed").counter().count());
    }

    @Test
    void aResponseBehindAnotherStillToComeWaitsWhole() {
        peers.next = null; // the client awaits another response first
        fetch.response = arrive(fetchResponse(CORRELATION_ID, 256, false));

        assertTrue(peers.sentAhead.isEmpty());
        assertEquals(0, fetch.streamed);
    }

    @Test
    void aResponseToAnotherRequestWaitsWhole() {
        peers.next = fetch;
        fetch.response = arrive(fetchResponse(CORRELATION_ID + 1, 256, false));

        assertTrue(peers.sentAhead.isEmpty());
        assertEquals(0, fetch.streamed);
    }

    @Test
    void aSmallResponseWaitsWhole() {
        peers.next = fetch;
        fetch.response = arrive(fetchResponse(CORRELATION_ID, 40, false));

        assertTrue(peers.sentAhead.isEmpty());
        assertEquals(0, fetch.streamed);
    }

    /**
     * A leader hint after the records: the proxy must rewrite it, and cannot once the frame's first
     * bytes are out. The rewrite handler closes the client's connection, which then fetches again.
     */
    @Test
    void aLeaderHintAfterRecordsAlreadySentClosesTheClient() {
        peers.next = fetch;
        fetch.response = arrive(fetchResponse(CORRELATION_ID, 256, true));
        assertTrue(fetch.streamed > 0);

        EmbeddedChannel rewriter = new EmbeddedChannel(new ResponseRewriteHandler(session, streamer));
        rewriter.writeInbound(fetch);

        assertFalse(client.isOpen(), "the client's connection is closed");
        assertNull(rewriter.readInbound(), "nothing more goes to the client");
        assertEquals(1.0, fixture.registry.get("cutover.proxy.errors").tag("code", ProxyError.STREAMED_RESPONSE_UNREWRITABLE.name())
            .counter().count());
        rewriter.finishAndReleaseAll();
    }

    @Test
    void unusedResponseBytesAreNotRetainedOnceAllIsPassedOn() {
        peers.next = fetch;
        ByteBuf whole = arrive(fetchResponse(CORRELATION_ID, 256, false));
        fetch.response = whole;
        peers.sentAhead.forEach(ByteBuf::release);
        peers.sentAhead.clear();
        fetch.clear();
        assertEquals(0, whole.refCnt(), "pieces and frame released, the broker's bytes are free");
    }
}
