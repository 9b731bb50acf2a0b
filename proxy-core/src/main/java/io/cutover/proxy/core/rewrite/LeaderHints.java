package io.cutover.proxy.core.rewrite;

import io.cutover.proxy.core.codec.ResponseFrames;
import io.cutover.proxy.core.codec.SchemaWalker;
import io.netty.buffer.ByteBuf;
import java.util.List;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Tells, without decoding, whether a Produce or Fetch response carries anything that names a broker:
 * KIP-951 leader hints (a current leader, node endpoints) or a KIP-392 preferred read replica. They
 * come only with leadership errors or follower fetching, so almost every response is left as the
 * bytes it is, records included.
 */
public final class LeaderHints {
    private static final int FIRST_FETCH_VERSION_WITH_HINTS = 16;
    private static final int FIRST_PRODUCE_VERSION_WITH_HINTS = 10;
    private static final int NODE_ENDPOINTS = 0;
    private static final int CURRENT_LEADER = 1;
    private static final int PREFERRED_READ_REPLICA = 2;

    private static final SchemaWalker[] FETCH = new SchemaWalker[FetchResponseData.SCHEMAS.length];
    private static final SchemaWalker[] PRODUCE = new SchemaWalker[ProduceResponseData.SCHEMAS.length];
    private static final ThreadLocal<Scan> SCAN = ThreadLocal.withInitial(Scan::new);

    static {
        for (int v = 0; v < FETCH.length; v++) {
            if (FetchResponseData.SCHEMAS[v] != null) {
                FETCH[v] = SchemaWalker.compile(FetchResponseData.SCHEMAS[v],
                    List.of("node_endpoints", "responses.partitions.current_leader", "responses.partitions.preferred_read_replica"));
            }
        }
        for (int v = 0; v < PRODUCE.length; v++) {
            if (ProduceResponseData.SCHEMAS[v] != null) {
                PRODUCE[v] = SchemaWalker.compile(ProduceResponseData.SCHEMAS[v],
                    List.of("node_endpoints", "responses.partition_responses.current_leader"));
            }
        }
    }

    private LeaderHints() {
    }

    /** True when this response frame (of a request of {@code apiKey} at {@code version}) names a broker. */
    public static boolean present(ByteBuf frame, short apiKey, short version) {
        SchemaWalker walker;
        if (apiKey == ApiKeys.FETCH.id) {
            if (version < FIRST_FETCH_VERSION_WITH_HINTS || version >= FETCH.length) {
                return version >= FETCH.length;
            }
            walker = FETCH[version];
        } else if (apiKey == ApiKeys.PRODUCE.id) {
            if (version < FIRST_PRODUCE_VERSION_WITH_HINTS || version >= PRODUCE.length) {
                return version >= PRODUCE.length;
            }
            walker = PRODUCE[version];
        } else {
            return true;
        }
        ApiKeys api = ApiKeys.forId(apiKey);
        int body = frame.readerIndex() + ResponseFrames.bodyOffset(frame, api.responseHeaderVersion(version));
        Scan scan = SCAN.get();
        scan.found = false;
        walker.walk(frame, body, frame.writerIndex(), scan);
        return scan.found;
    }

    /** One per event loop thread, reused: a scan allocates nothing. */
    private static final class Scan implements SchemaWalker.Visitor {
        boolean found;

        @Override
        public void field(int watch, ByteBuf buf, int offset, int length) {
            switch (watch) {
                case NODE_ENDPOINTS -> found = true;
                // current_leader is a tagged struct whose first field is leader_id; -1 means none.
                case CURRENT_LEADER -> found |= buf.getInt(offset) >= 0;
                case PREFERRED_READ_REPLICA -> found |= buf.getInt(offset) >= 0;
                default -> {
                }
            }
        }
    }
}
