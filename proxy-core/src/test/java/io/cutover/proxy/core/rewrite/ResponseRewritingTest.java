package io.cutover.proxy.core.rewrite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.codec.ResponseFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.List;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** Whole frames in, whole frames out: what the server's rewrite handler sees. */
class ResponseRewritingTest {
    private final ResponseRewriting rewriting = new ResponseRewriting();
    private final RewriteContext target = RewriteContext.plain("target", TestNodes.target(TestNodes.registry()), ErrorCounter.NONE);

    @Test
    void onlyAddressCarryingResponsesAreDecoded() {
        assertTrue(rewriting.needsRewrite(ApiKeys.METADATA.id, (short) 0));
        assertTrue(rewriting.needsRewrite(ApiKeys.PRODUCE.id, (short) 10));
        assertFalse(rewriting.needsRewrite(ApiKeys.PRODUCE.id, (short) 9));
        assertFalse(rewriting.needsRewrite(ApiKeys.OFFSET_COMMIT.id, ApiKeys.OFFSET_COMMIT.latestVersion()));
        assertFalse(rewriting.needsRewrite(ApiKeys.LIST_OFFSETS.id, ApiKeys.LIST_OFFSETS.latestVersion()));
    }

    @Test
    void anUnchangedFetchFrameIsForwardedAsTheSameBuffer() {
        FetchResponseData fetch = new FetchResponseData();
        fetch.responses().add(new FetchResponseData.FetchableTopicResponse().setTopic("t")
            .setPartitions(List.of(new FetchResponseData.PartitionData().setPartitionIndex(0))));
        short v = 17;
        ByteBuf frame = MessageCodec.encodeResponse(UnpooledByteBufAllocator.DEFAULT, 9, ApiKeys.FETCH, v, fetch);
        try {
            assertSame(frame, rewriting.rewrite(UnpooledByteBufAllocator.DEFAULT, frame, ApiKeys.FETCH.id, v, target));
        } finally {
            frame.release();
        }
    }

    @Test
    void aRewrittenFrameKeepsItsCorrelationIdAndDecodes() {
        MetadataResponseData m = new MetadataResponseData();
        m.brokers().add(new MetadataResponseData.MetadataResponseBroker().setNodeId(1).setHost("broker-1.internal").setPort(9092));
        short v = 12;
        ByteBuf frame = MessageCodec.encodeResponse(UnpooledByteBufAllocator.DEFAULT, 77, ApiKeys.METADATA, v, m);
        ByteBuf out = rewriting.rewrite(UnpooledByteBufAllocator.DEFAULT, frame, ApiKeys.METADATA.id, v, target);
        try {
            assertNotSame(frame, out);
            assertEquals(77, ResponseFrames.correlationId(out));
            assertEquals(out.readableBytes() - 4, out.getInt(out.readerIndex()), "size prefix matches");
            MetadataResponseData decoded = (MetadataResponseData) MessageCodec.decodeResponse(out, ApiKeys.METADATA, v);
            assertEquals(TestNodes.PROXY_HOST, decoded.brokers().find(1001).host());
        } finally {
            frame.release();
            out.release();
        }
    }

    @Test
    void anApiVersionsErrorAnswerStaysAtV0() {
        // A broker that does not know ApiVersions v4 answers at v0 whatever was asked (KIP-511).
        ApiVersionsResponseData error = new ApiVersionsResponseData().setErrorCode(Errors.UNSUPPORTED_VERSION.code());
        error.apiKeys().add(new ApiVersionsResponseData.ApiVersion().setApiKey(ApiKeys.API_VERSIONS.id).setMinVersion((short) 0)
            .setMaxVersion((short) 3));
        ByteBuf frame = MessageCodec.encodeResponse(UnpooledByteBufAllocator.DEFAULT, 5, (short) 0, (short) 0, error);
        ByteBuf out = rewriting.rewrite(UnpooledByteBufAllocator.DEFAULT, frame, ApiKeys.API_VERSIONS.id, (short) 4, target);
        try {
            ApiVersionsResponseData decoded = (ApiVersionsResponseData) MessageCodec.decodeResponse(out, ApiKeys.API_VERSIONS, (short) 0);
            assertEquals(Errors.UNSUPPORTED_VERSION.code(), decoded.errorCode());
            assertEquals(3, decoded.apiKeys().find(ApiKeys.API_VERSIONS.id).maxVersion());
        } finally {
            frame.release();
            if (out != frame) {
                out.release();
            }
        }
    }
}
