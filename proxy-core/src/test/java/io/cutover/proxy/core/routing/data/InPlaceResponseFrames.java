package io.cutover.proxy.core.routing.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.virtual.TopicIds;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.function.Consumer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * Whole response frames of one API as a broker sends them, for the tests of its in-place rewrite
 * ({@link FetchResponseInPlace}, {@link ProduceResponseInPlace}): a topic named by id from version
 * {@value #FIRST_BY_ID} on and by name before, the frame encoded with its header and read back
 * without moving it, and the check that a refused frame is left exactly as it came.
 *
 * @param <M> the API's response message
 */
final class InPlaceResponseFrames<M extends ApiMessage> {
    /** Fetch and Produce responses both name topics by id from v13. */
    static final short FIRST_BY_ID = 13;

    /** An in-place rewrite, as both response types offer it. */
    @FunctionalInterface
    interface InPlaceRewrite {
        boolean tryRewrite(ByteBuf frame, short version, String cluster, TopicIds ids);
    }

    private final ApiKeys api;
    private final InPlaceRewrite rewrite;

    InPlaceResponseFrames(ApiKeys api, InPlaceRewrite rewrite) {
        this.api = api;
        this.rewrite = rewrite;
    }

    /**
     * Names a response's topic as {@code version} does: {@code id} from {@value #FIRST_BY_ID} on, the
     * name {@link DataScopes#STAYS} before. Before the topic goes into its response: the id and name
     * are the keys of a hash-linked collection.
     */
    static void nameTopic(short version, Consumer<Uuid> setId, Uuid id, Consumer<String> setName) {
        if (version >= FIRST_BY_ID) {
            setId.accept(id);
        } else {
            setName.accept(DataScopes.STAYS);
        }
    }

    /** The whole frame of {@code response}, its header included. */
    ByteBuf encode(short version, M response) {
        return MessageCodec.encodeResponse(UnpooledByteBufAllocator.DEFAULT, 5, api, version, response);
    }

    /** The response in {@code frame}, read from a duplicate so that the frame can be read again. */
    @SuppressWarnings("unchecked")
    M decode(ByteBuf frame, short version) {
        return (M) MessageCodec.decodeResponse(frame.duplicate(), api, version);
    }

    /** The rewrite refuses the frame (it needs the full rewrite) and has written nothing; releases the frame. */
    void assertUntouchedAndRefused(ByteBuf frame, short version, TopicIds ids) {
        byte[] before = ByteBufUtil.getBytes(frame);
        try {
            assertFalse(rewrite.tryRewrite(frame, version, "target", ids));
            assertArrayEquals(before, ByteBufUtil.getBytes(frame), "nothing written before the answer is known");
        } finally {
            frame.release();
        }
    }
}
