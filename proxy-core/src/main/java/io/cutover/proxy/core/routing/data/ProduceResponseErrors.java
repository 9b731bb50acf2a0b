package io.cutover.proxy.core.routing.data;

import io.cutover.proxy.core.codec.ResponseFrames;
import io.cutover.proxy.core.codec.SchemaWalker;
import io.netty.buffer.ByteBuf;
import java.util.List;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Reads a Produce response's partition error codes where they lie. REQUEST_TIMED_OUT matters to a
 * switch: the records were appended to the leader but not yet committed, so they may still appear
 * in the partition after the proxy forwarded the answer.
 */
public final class ProduceResponseErrors {
    private static final SchemaWalker[] WALKERS = new SchemaWalker[ProduceResponseData.SCHEMAS.length];
    private static final ThreadLocal<Scan> SCAN = ThreadLocal.withInitial(Scan::new);

    static {
        for (int v = 0; v < WALKERS.length; v++) {
            if (ProduceResponseData.SCHEMAS[v] != null) {
                WALKERS[v] = SchemaWalker.compile(ProduceResponseData.SCHEMAS[v], List.of("responses.partition_responses.error_code"));
            }
        }
    }

    private ProduceResponseErrors() {
    }

    /** True when any partition of this Produce response frame was answered REQUEST_TIMED_OUT. */
    public static boolean anyTimedOut(ByteBuf frame, short version) {
        if (version < 0 || version >= WALKERS.length || WALKERS[version] == null) {
            return false;
        }
        int body = frame.readerIndex() + ResponseFrames.bodyOffset(frame, ApiKeys.PRODUCE.responseHeaderVersion(version));
        Scan scan = SCAN.get();
        scan.found = false;
        WALKERS[version].walk(frame, body, frame.writerIndex(), scan);
        return scan.found;
    }

    /** One per event loop thread, reused. */
    private static final class Scan implements SchemaWalker.Visitor {
        boolean found;

        @Override
        public void field(int watch, ByteBuf buf, int offset, int length) {
            found |= buf.getShort(offset) == Errors.REQUEST_TIMED_OUT.code();
        }
    }
}
