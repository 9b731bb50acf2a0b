package io.cutover.proxy.core.routing.data;

import static io.cutover.proxy.core.routing.data.DataScopes.ORDERS_ON_TARGET;
import static io.cutover.proxy.core.routing.data.DataScopes.STAYS;
import static io.cutover.proxy.core.routing.data.InPlaceResponseFrames.FIRST_BY_ID;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponseCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Whole Produce response frames, as the target sends them, virtualised where they lie. */
class ProduceResponseInPlaceTest {
    private static final InPlaceResponseFrames<ProduceResponseData> FRAMES =
        new InPlaceResponseFrames<>(ApiKeys.PRODUCE, ProduceResponseInPlace::tryRewrite);

    private final DataScopes scopes = new DataScopes();

    private static ByteBuf frame(short version, Uuid topicId, Consumer<PartitionProduceResponse> partition) {
        PartitionProduceResponse p = new PartitionProduceResponse().setIndex(0).setBaseOffset(41).setLogAppendTimeMs(-1).setLogStartOffset(0);
        partition.accept(p);
        TopicProduceResponse t = new TopicProduceResponse().setPartitionResponses(new ArrayList<>(List.of(p)));
        InPlaceResponseFrames.nameTopic(version, t::setTopicId, topicId, t::setName);
        return FRAMES.encode(version, new ProduceResponseData().setThrottleTimeMs(3)
            .setResponses(new TopicProduceResponseCollection(List.of(t).iterator())));
    }

    @ParameterizedTest
    @ValueSource(shorts = {3, 8, 9, 10, 12, 13})
    void anAcknowledgementGetsVirtualTopicIdsAndKeepsEverythingElse(short version) {
        ByteBuf frame = frame(version, ORDERS_ON_TARGET, p -> { });
        try {
            assertTrue(ProduceResponseInPlace.tryRewrite(frame, version, "target", scopes.ids));
            ProduceResponseData response = FRAMES.decode(frame, version);
            TopicProduceResponse t = response.responses().iterator().next();
            if (version >= FIRST_BY_ID) {
                assertEquals(scopes.virtual(STAYS), t.topicId());
            } else {
                assertEquals(STAYS, t.name());
            }
            PartitionProduceResponse p = t.partitionResponses().get(0);
            assertEquals(41, p.baseOffset());
            assertEquals(Errors.NONE.code(), p.errorCode());
            assertEquals(3, response.throttleTimeMs());
        } finally {
            frame.release();
        }
    }

    @Test
    void aNameBasedAcknowledgementIsLeftAsItsBytes() {
        short version = 11;
        ByteBuf frame = frame(version, null, p -> { });
        byte[] before = ByteBufUtil.getBytes(frame);
        try {
            assertTrue(ProduceResponseInPlace.tryRewrite(frame, version, "target", scopes.ids));
            assertArrayEquals(before, ByteBufUtil.getBytes(frame));
        } finally {
            frame.release();
        }
    }

    @Test
    void aTopicIdNotLearntYetLeavesTheFrameToTheFullRewriteUntouched() {
        assertUntouchedAndRefused(frame(FIRST_BY_ID, new Uuid(9, 9), p -> { }), FIRST_BY_ID);
    }

    @Test
    void aLeaderHintLeavesTheFrameToTheFullRewrite() {
        assertUntouchedAndRefused(frame(FIRST_BY_ID, ORDERS_ON_TARGET, p -> p.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code())
            .currentLeader().setLeaderId(2).setLeaderEpoch(9)), FIRST_BY_ID);
    }

    @Test
    void aLeaderEpochAloneInTheHintLeavesTheFrameToTheFullRewrite() {
        assertUntouchedAndRefused(frame((short) 10, null, p -> p.currentLeader().setLeaderId(-1).setLeaderEpoch(9)), (short) 10);
    }

    @Test
    void nodeEndpointsLeaveTheFrameToTheFullRewrite() {
        short version = 12;
        ProduceResponseData response = new ProduceResponseData();
        TopicProduceResponse t = new TopicProduceResponse().setName(STAYS);
        t.partitionResponses().add(new PartitionProduceResponse().setIndex(0));
        response.responses().add(t);
        response.nodeEndpoints().add(new ProduceResponseData.NodeEndpoint().setNodeId(2).setHost("broker-2").setPort(9092));
        assertUntouchedAndRefused(FRAMES.encode(version, response), version);
    }

    @Test
    void theInPlaceRewriteAgreesWithTheFullOne() {
        short version = FIRST_BY_ID;
        ByteBuf inPlace = frame(version, ORDERS_ON_TARGET, p -> { });
        ByteBuf decoded = frame(version, ORDERS_ON_TARGET, p -> { });
        try {
            assertTrue(ProduceResponseInPlace.tryRewrite(inPlace, version, "target", scopes.ids));
            ProduceResponseData full = FRAMES.decode(decoded, version);
            ProduceRouting.complete(full, version, null, "target", scopes.ids, true);
            assertEquals(full, FRAMES.decode(inPlace, version));
        } finally {
            inPlace.release();
            decoded.release();
        }
    }

    private void assertUntouchedAndRefused(ByteBuf frame, short version) {
        FRAMES.assertUntouchedAndRefused(frame, version, scopes.ids);
    }
}
