package io.cutover.proxy.core.routing.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cutover.proxy.core.codec.MessageCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProduceResponseErrorsTest {

    private static ByteBuf frame(short version, Errors... partitionErrors) {
        TopicProduceResponse t = new TopicProduceResponse().setName("orders").setTopicId(new Uuid(1, 1));
        for (int i = 0; i < partitionErrors.length; i++) {
            t.partitionResponses().add(new PartitionProduceResponse().setIndex(i).setErrorCode(partitionErrors[i].code()));
        }
        ProduceResponseData response = new ProduceResponseData();
        response.responses().add(t);
        return MessageCodec.encodeResponse(UnpooledByteBufAllocator.DEFAULT, 7, ApiKeys.PRODUCE, version, response);
    }

    @ParameterizedTest
    @ValueSource(shorts = {3, 8, 9, 12, 13})
    void findsATimedOutPartitionAmongOthers(short version) {
        assertTimedOut(true, frame(version, Errors.NONE, Errors.REQUEST_TIMED_OUT, Errors.NOT_LEADER_OR_FOLLOWER), version);
    }

    @ParameterizedTest
    @ValueSource(shorts = {3, 9, 13})
    void otherErrorsAreNotTimeouts(short version) {
        assertTimedOut(false, frame(version, Errors.NONE, Errors.NOT_LEADER_OR_FOLLOWER, Errors.CORRUPT_MESSAGE), version);
    }

    private static void assertTimedOut(boolean expected, ByteBuf frame, short version) {
        try {
            assertEquals(expected, ProduceResponseErrors.anyTimedOut(frame, version));
        } finally {
            frame.release();
        }
    }
}
