package io.cutover.proxy.server.it;

import io.cutover.proxy.core.api.ApiHandling;
import io.cutover.proxy.core.api.ApiSupport;
import io.cutover.proxy.core.codec.MessageCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.UnregisterBrokerRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;

/**
 * Request frames for fuzzing: a valid frame for every version of every API the proxy advertises
 * (built with Kafka's generated request classes, so both request header versions, v1 and v2, occur),
 * and mutations of them that a hostile or broken client might send.
 */
final class FuzzFrames {
    static final String CLIENT_ID = "fuzz";
    /** Bytes a length, varint or flag often goes wrong with. */
    private static final byte[] BOUNDARY = {0x00, 0x01, 0x7f, (byte) 0x80, (byte) 0x81, (byte) 0xfe, (byte) 0xff};
    /** Unsigned varints of 2^32 - 1, 2^31 - 1, 2^31 and an over-long one (a sixth byte). */
    private static final byte[][] HUGE_VARINTS = {
        {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f},
        {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07},
        {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08},
        {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01},
    };
    private static final int[] HUGE_INTS = {Integer.MAX_VALUE, Integer.MIN_VALUE, -1, 0x7ffffff0, -2};

    /** One valid frame, and where its header's tagged-field section starts (-1 for header v1). */
    record Frame(ApiKeys api, short version, byte[] bytes, int headerTagsAt) {
    }

    private final List<Frame> frames;
    private final Set<ApiKeys> apis;

    private FuzzFrames(List<Frame> frames, Set<ApiKeys> apis) {
        this.frames = frames;
        this.apis = apis;
    }

    /** Every accepted version of every advertised API; a body that cannot be written at a version is left out. */
    static FuzzFrames build(String topic, String movedTopic) {
        List<Frame> frames = new ArrayList<>();
        Set<ApiKeys> apis = new TreeSet<>();
        for (ApiKeys api : ApiKeys.values()) {
            if (ApiSupport.handling(api.id) == ApiHandling.HIDDEN) {
                continue;
            }
            for (short v = ApiSupport.minVersion(api.id); v <= ApiSupport.maxVersion(api.id); v++) {
                byte[] bytes = encode(api, v, sample(api, v, topic, movedTopic));
                if (bytes == null) {
                    bytes = encode(api, v, api.messageType.newRequest());
                }
                if (bytes != null) {
                    int tagsAt = api.requestHeaderVersion(v) >= 2 ? 4 + 2 + 2 + 4 + 2 + CLIENT_ID.length() : -1;
                    frames.add(new Frame(api, v, bytes, tagsAt));
                    apis.add(api);
                }
            }
        }
        return new FuzzFrames(List.copyOf(frames), apis);
    }

    List<Frame> frames() {
        return frames;
    }

    Set<ApiKeys> apis() {
        return apis;
    }

    Frame pick(Random r) {
        return frames.get(r.nextInt(frames.size()));
    }

    /** Bodies with content where the proxy reads it (routing, producer ids); others are the defaults. */
    private static ApiMessage sample(ApiKeys api, short v, String topic, String moved) {
        switch (api) {
            case PRODUCE -> {
                ProduceRequestData p = new ProduceRequestData().setAcks((short) (v % 2 == 0 ? -1 : 1)).setTimeoutMs(5000);
                for (String t : List.of(topic, moved)) {
                    ProduceRequestData.TopicProduceData data = v >= 13 ? new ProduceRequestData.TopicProduceData().setTopicId(Uuid.randomUuid())
                        : new ProduceRequestData.TopicProduceData().setName(t);
                    data.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(
                        MemoryRecords.withIdempotentRecords(Compression.NONE, 7L, (short) 0, 0,
                            new SimpleRecord("fuzz".getBytes(StandardCharsets.UTF_8)))));
                    p.topicData().add(data);
                }
                return p;
            }
            case FETCH -> {
                FetchRequestData f = new FetchRequestData().setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20).setReplicaId(-1);
                for (String t : List.of(topic, moved)) {
                    FetchRequestData.FetchTopic ft = v >= 13 ? new FetchRequestData.FetchTopic().setTopicId(Uuid.randomUuid())
                        : new FetchRequestData.FetchTopic().setTopic(t);
                    ft.partitions().add(new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 16));
                    f.topics().add(ft);
                }
                return f;
            }
            case METADATA -> {
                return new MetadataRequestData().setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName(topic),
                    new MetadataRequestData.MetadataRequestTopic().setName(moved)));
            }
            case LIST_OFFSETS -> {
                ListOffsetsRequestData l = new ListOffsetsRequestData().setReplicaId(-1);
                for (String t : List.of(topic, moved)) {
                    l.topics().add(new ListOffsetsRequestData.ListOffsetsTopic().setName(t).setPartitions(List.of(
                        new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1))));
                }
                return l;
            }
            case FIND_COORDINATOR -> {
                return v >= 4 ? new FindCoordinatorRequestData().setCoordinatorKeys(List.of("fuzz-group"))
                    : new FindCoordinatorRequestData().setKey("fuzz-group");
            }
            case UNREGISTER_BROKER -> {
                // Its default names broker 0, the test clusters' only broker: passed through (it is a
                // broker API), a valid one unregistered that broker, which then heartbeat with a stale
                // epoch for the rest of the run, and the bystander's writes failed, whatever the proxy
                // did (CI, 2026-12-07, seed 51432024737847, with the code of before and after that day).
                // No broker has this id, and no one to three byte mutations turn it into 0.
                return new UnregisterBrokerRequestData().setBrokerId(0x7f7f7f7f);
            }
            default -> {
                return null;
            }
        }
    }

    private static byte[] encode(ApiKeys api, short version, ApiMessage body) {
        if (body == null) {
            return null;
        }
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(api.id).setRequestApiVersion(version)
            .setCorrelationId(1).setClientId(CLIENT_ID);
        ByteBuf buf;
        try {
            buf = MessageCodec.encodeRequest(UnpooledByteBufAllocator.DEFAULT, header, body);
        } catch (RuntimeException e) {
            return null; // a field this version cannot carry
        }
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    /** One to three mutations of {@code f}; the size prefix is kept true unless a mutation lies about it. */
    static byte[] mutate(Frame f, Random r, int correlationId) {
        byte[] b = f.bytes().clone();
        ByteBuffer.wrap(b).putInt(8, correlationId);
        boolean sizeLies = false;
        int count = 1 + r.nextInt(3);
        for (int i = 0; i < count; i++) {
            switch (r.nextInt(9)) {
                case 0 -> b[position(b, r)] ^= (byte) (1 << r.nextInt(8));
                case 1 -> b[position(b, r)] = BOUNDARY[r.nextInt(BOUNDARY.length)];
                case 2 -> b = Arrays.copyOf(b, 4 + r.nextInt(Math.max(1, b.length - 4)));
                case 3 -> {
                    int extra = 1 + r.nextInt(64);
                    int old = b.length;
                    b = Arrays.copyOf(b, old + extra);
                    for (int j = old; j < b.length; j++) {
                        b[j] = r.nextBoolean() ? BOUNDARY[r.nextInt(BOUNDARY.length)] : (byte) r.nextInt();
                    }
                }
                case 4 -> {
                    sizeLies = true;
                    int truth = b.length - 4;
                    int[] lies = {truth + 1 + r.nextInt(16), truth - 1 - r.nextInt(8), 0, -1, 13, Integer.MAX_VALUE, Integer.MIN_VALUE,
                        truth + (1 << 16)};
                    ByteBuffer.wrap(b).putInt(0, lies[r.nextInt(lies.length)]);
                }
                case 5 -> b = overwrite(b, position(b, r), HUGE_VARINTS[r.nextInt(HUGE_VARINTS.length)]);
                case 6 -> b = overwrite(b, position(b, r), ByteBuffer.allocate(4).putInt(HUGE_INTS[r.nextInt(HUGE_INTS.length)]).array());
                case 7 -> b = taggedFieldOverflow(b, f, r);
                default -> b = compactLengthOverflow(b, f, r);
            }
        }
        if (!sizeLies && b.length >= 4) {
            ByteBuffer.wrap(b).putInt(0, b.length - 4);
        }
        return b;
    }

    /** Mostly past the size prefix (a lie there is mutation 4's job), now and then inside it. */
    private static int position(byte[] b, Random r) {
        return b.length > 4 && r.nextInt(20) != 0 ? 4 + r.nextInt(b.length - 4) : r.nextInt(b.length);
    }

    private static byte[] overwrite(byte[] b, int at, byte[] with) {
        byte[] out = b.length < at + with.length ? Arrays.copyOf(b, at + with.length) : b;
        System.arraycopy(with, 0, out, at, with.length);
        return out;
    }

    /**
     * A header v2 whose tagged-field section claims one field of a size near 2^31 or 2^32 (the
     * review's finding); in a header v1 frame, the same bytes go where the body starts.
     */
    private static byte[] taggedFieldOverflow(byte[] b, Frame f, Random r) {
        int at = f.headerTagsAt() >= 0 && f.headerTagsAt() < b.length ? f.headerTagsAt() : Math.min(b.length, 4 + 10 + CLIENT_ID.length());
        byte[] huge = HUGE_VARINTS[r.nextInt(HUGE_VARINTS.length)];
        byte[] section = new byte[2 + huge.length];
        section[0] = 1; // one field
        section[1] = (byte) r.nextInt(0x80); // its tag
        System.arraycopy(huge, 0, section, 2, huge.length);
        byte[] out = new byte[b.length - Math.min(1, b.length - at) + section.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(section, 0, out, at, section.length);
        int rest = at + 1;
        if (rest < b.length) {
            System.arraycopy(b, rest, out, at + section.length, b.length - rest);
        }
        return out;
    }

    /** A huge varint where a flexible body starts (its first field is often a compact string or array length). */
    private static byte[] compactLengthOverflow(byte[] b, Frame f, Random r) {
        int bodyAt = f.headerTagsAt() >= 0 ? f.headerTagsAt() + 1 : 4 + 10 + CLIENT_ID.length();
        if (bodyAt >= b.length) {
            return b;
        }
        int at = bodyAt + r.nextInt(Math.min(16, b.length - bodyAt));
        return overwrite(b, at, HUGE_VARINTS[r.nextInt(HUGE_VARINTS.length)]);
    }

    /**
     * A Produce v9 frame (header v2) of {@code totalBytes}, whose header claims a tagged field of
     * 2^31 - 1 bytes: the review's finding, in a frame large enough that leaking it shows.
     */
    static byte[] largeTaggedFieldOverflow(int totalBytes) {
        ByteBuffer b = ByteBuffer.allocate(totalBytes);
        b.putInt(totalBytes - 4).putShort(ApiKeys.PRODUCE.id).putShort((short) 9).putInt(1)
            .putShort((short) CLIENT_ID.length()).put(CLIENT_ID.getBytes(StandardCharsets.US_ASCII));
        b.put((byte) 1).put((byte) 0).put(HUGE_VARINTS[1]);
        return b.array();
    }
}
