package io.cutover.proxy.core.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.types.RawTaggedField;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

class RequestFramesTest {
    private static ByteBuf encode(ApiKeys api, short version, String clientId, ApiMessage body) {
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(api.id).setRequestApiVersion(version)
            .setCorrelationId(4242).setClientId(clientId);
        return MessageCodec.encodeRequest(UnpooledByteBufAllocator.DEFAULT, header, body);
    }

    @Test
    void readsFixedHeaderFieldsAndFindsTheBodyForEveryHeaderVersion() {
        for (short v = 0; v <= ApiKeys.METADATA.latestVersion(); v++) {
            MetadataRequestData body = new MetadataRequestData().setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName("t")));
            ByteBuf frame = encode(ApiKeys.METADATA, v, "my-client", body);
            try {
                assertEquals(ApiKeys.METADATA.id, RequestFrames.apiKey(frame));
                assertEquals(v, RequestFrames.apiVersion(frame));
                assertEquals(4242, RequestFrames.correlationId(frame));
                assertEquals("my-client", RequestFrames.clientId(frame));
                int headerSize = new RequestHeaderData().setRequestApiKey(ApiKeys.METADATA.id).setRequestApiVersion(v)
                    .setCorrelationId(4242).setClientId("my-client")
                    .size(new ObjectSerializationCache(), ApiKeys.METADATA.requestHeaderVersion(v));
                assertEquals(4 + headerSize, RequestFrames.bodyOffset(frame, ApiKeys.METADATA), "v" + v);
                assertEquals(body, MessageCodec.decodeRequest(frame, ApiKeys.METADATA, v));
            } finally {
                frame.release();
            }
        }
    }

    @Test
    void skipsTaggedFieldsInHeaderV2() {
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(ApiKeys.METADATA.id).setRequestApiVersion((short) 12)
            .setCorrelationId(1).setClientId(null);
        header.unknownTaggedFields().add(new RawTaggedField(7, new byte[] {1, 2, 3}));
        MetadataRequestData body = new MetadataRequestData().setTopics(null);
        ByteBuf frame = MessageCodec.encodeRequest(UnpooledByteBufAllocator.DEFAULT, header, body);
        try {
            assertEquals(null, RequestFrames.clientId(frame));
            assertEquals(body, MessageCodec.decodeRequest(frame, ApiKeys.METADATA, (short) 12));
        } finally {
            frame.release();
        }
    }

    @Test
    void aClientIdRunningPastTheFrameIsMalformed() {
        ByteBuf frame = Unpooled.buffer().writeInt(10).writeShort(3).writeShort(9).writeInt(1).writeShort(500);
        try {
            assertThrows(MalformedFrameException.class, () -> RequestFrames.bodyOffset(frame, (short) 2));
        } finally {
            frame.release();
        }
    }

    @Test
    void readsAcksAndTimeoutOfEveryProduceVersionWithoutTouchingRecords() {
        for (short v = 3; v <= ApiKeys.PRODUCE.latestVersion(); v++) {
            for (String txn : new String[] {null, "a-transactional-id"}) {
                for (short acks : new short[] {0, 1, -1}) {
                    ProduceRequestData body = new ProduceRequestData().setAcks(acks).setTimeoutMs(1000 + acks).setTransactionalId(txn);
                    ProduceRequestData.TopicProduceData t = new ProduceRequestData.TopicProduceData().setName("t")
                        .setTopicId(org.apache.kafka.common.Uuid.randomUuid());
                    t.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0)
                        .setRecords(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes(StandardCharsets.UTF_8)))));
                    body.topicData().add(t);
                    ByteBuf frame = encode(ApiKeys.PRODUCE, v, "c", body);
                    try {
                        assertEquals(acks, ProduceRequestFrames.acks(frame), "v" + v + " txn=" + txn);
                        assertEquals(1000 + acks, ProduceRequestFrames.timeoutMs(frame), "v" + v + " txn=" + txn);
                    } finally {
                        frame.release();
                    }
                }
            }
        }
    }

    @Test
    void aTruncatedProduceIsMalformed() {
        // Produce v9 header, then a compact transactionalId length that runs past the frame.
        ByteBuf frame = Unpooled.buffer().writeInt(14).writeShort(0).writeShort(9).writeInt(1).writeShort(-1).writeByte(0)
            .writeByte(100);
        try {
            assertThrows(MalformedFrameException.class, () -> ProduceRequestFrames.acks(frame));
        } finally {
            frame.release();
        }
    }

    @Test
    void varintsRejectOverlongEncodings() {
        ByteBuf buf = Unpooled.wrappedBuffer(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01});
        try {
            assertThrows(MalformedFrameException.class, () -> Varints.readUnsignedVarint(buf, 0, buf.writerIndex()));
        } finally {
            buf.release();
        }
    }
}
