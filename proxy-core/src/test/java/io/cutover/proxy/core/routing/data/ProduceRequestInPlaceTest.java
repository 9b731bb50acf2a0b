package io.cutover.proxy.core.routing.data;

import static io.cutover.proxy.core.routing.data.ProduceRequestFixture.CLIENT_EPOCH;
import static io.cutover.proxy.core.routing.data.ProduceRequestFixture.IDEMPOTENT;
import static io.cutover.proxy.core.routing.data.ProduceRequestFixture.IDEMPOTENT_ON_TARGET;
import static io.cutover.proxy.core.routing.data.ProduceRequestFixture.SOURCE;
import static io.cutover.proxy.core.routing.data.ProduceRequestFixture.TARGET;
import static io.cutover.proxy.core.routing.data.ProduceRequestFixture.TXN_EPOCH_OFFSET;
import static io.cutover.proxy.core.routing.data.ProduceRequestFixture.TXN_ID;
import static io.cutover.proxy.core.routing.data.ProduceRequestFixture.TXN_REAL_ON_TARGET;
import static io.cutover.proxy.core.routing.data.ProduceRequestFixture.bytes;
import static io.cutover.proxy.core.routing.data.ProduceRequestFixture.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.routing.data.ProduceRequestFixture.Producer;
import io.cutover.proxy.core.virtual.ProducerIdMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Produce requests routed in place: the bytes that leave are those the decoding path would send. */
class ProduceRequestInPlaceTest {
    private final ProduceRequestFixture f;
    private final List<ByteBuf> frames = new ArrayList<>();

    ProduceRequestInPlaceTest() throws Exception {
        f = new ProduceRequestFixture();
    }

    @AfterEach
    void release() {
        frames.forEach(ByteBuf::release);
    }

    static IntStream versions() {
        return IntStream.rangeClosed(3, ProduceRequestData.HIGHEST_SUPPORTED_VERSION);
    }

    /** Every version, in a heap buffer and in a pooled direct one (CRC32C reads each differently). */
    static Stream<Arguments> versionsAndBuffers() {
        return versions().boxed().flatMap(v -> Stream.of(Arguments.of(v, false), Arguments.of(v, true)));
    }

    private ByteBuf frame(boolean direct, short version, ProduceRequestData body) {
        ByteBufAllocator alloc = direct ? PooledByteBufAllocator.DEFAULT : UnpooledByteBufAllocator.DEFAULT;
        ByteBuf b = ProduceRequestFixture.frame(direct ? alloc : new UnpooledByteBufAllocator(false), version, body);
        frames.add(b);
        return b;
    }

    private Function<String, Uuid> virtual() {
        return f.topicIds::virtualId;
    }

    private Function<String, Uuid> realOn(String cluster) {
        return t -> f.topicIds.realId(cluster, t);
    }

    private static void assertValidBatches(ByteBuf frame, short version, long producerId, short epoch) {
        var decoded = (ProduceRequestData) MessageCodec.decodeRequest(frame, ApiKeys.PRODUCE, version);
        int batches = 0;
        for (var t : decoded.topicData()) {
            for (var p : t.partitionData()) {
                for (MutableRecordBatch b : ((MemoryRecords) p.records()).batches()) {
                    b.ensureValid(); // the CRC32C the broker checks
                    assertEquals(producerId, b.producerId());
                    assertEquals(epoch, b.producerEpoch());
                    batches++;
                }
            }
        }
        assertTrue(batches > 0);
    }

    @ParameterizedTest
    @MethodSource("versionsAndBuffers")
    void idempotentBatchesForTheTargetCarryTheirRealIdAndTheClientsEpoch(int v, boolean direct) {
        short version = (short) v;
        ByteBuf sent = frame(direct, version, f.request(null, new Producer(IDEMPOTENT, CLIENT_EPOCH, false), virtual(), "orders", "payments"));
        ByteBuf expected = frame(false, version,
            f.request(null, new Producer(IDEMPOTENT_ON_TARGET, CLIENT_EPOCH, false), realOn(TARGET), "orders", "payments"));

        ProducedTopics topics = ProduceRequestInPlace.tryRoute(sent, version, f.scope(TARGET));

        assertNotNull(topics, "routed in place");
        assertArrayEquals(bytes(expected), bytes(sent), "real producer id in every batch" + (version >= 13 ? ", real topic ids" : ""));
        assertValidBatches(sent, version, IDEMPOTENT_ON_TARGET, CLIENT_EPOCH);
        assertEquals(2, topics.size());
        assertEquals("orders", topics.name(0));
        assertEquals("payments", topics.name(1));
        assertNull(topics.transactionalId());
    }

    @ParameterizedTest
    @MethodSource("versionsAndBuffers")
    void transactionalBatchesCarryTheRealIdAndEpochOfTheirCluster(int v, boolean direct) {
        short version = (short) v;
        ByteBuf sent = frame(direct, version, f.request(TXN_ID, new Producer(f.txnVirtualId, CLIENT_EPOCH, true), virtual(), "orders"));
        ByteBuf expected = frame(false, version,
            f.request(TXN_ID, new Producer(TXN_REAL_ON_TARGET, (short) (CLIENT_EPOCH - TXN_EPOCH_OFFSET), true), realOn(TARGET), "orders"));

        ProducedTopics topics = ProduceRequestInPlace.tryRoute(sent, version, f.scope(TARGET));

        assertNotNull(topics);
        assertArrayEquals(bytes(expected), bytes(sent));
        assertValidBatches(sent, version, TXN_REAL_ON_TARGET, (short) (CLIENT_EPOCH - TXN_EPOCH_OFFSET));
        assertEquals(TXN_ID, topics.transactionalId(), "transaction tracking needs it");
        assertTrue(topics.namesAny(Set.of("orders", "elsewhere")));
        assertFalse(topics.namesAny(Set.of("payments")));
    }

    @ParameterizedTest
    @MethodSource("versions")
    void onTheIdentityClusterBatchesGoAsTheClientWroteThem(int v) {
        short version = (short) v;
        ByteBuf sent = frame(false, version, f.request(null, new Producer(IDEMPOTENT, CLIENT_EPOCH, false), virtual(), "stays"));
        ByteBuf expected = frame(false, version, f.request(null, new Producer(IDEMPOTENT, CLIENT_EPOCH, false), realOn(SOURCE), "stays"));
        byte[] before = bytes(sent);

        assertNotNull(ProduceRequestInPlace.tryRoute(sent, version, f.scope(SOURCE)));

        assertArrayEquals(bytes(expected), bytes(sent));
        if (version < 13) {
            assertArrayEquals(before, bytes(sent), "not a byte changed, CRCs included");
        } else {
            assertFalse(java.util.Arrays.equals(before, bytes(sent)), "the topic id changed");
        }
    }

    /** The decoding path with the same scope: the frame it forwards, re-encoded or edited in place. */
    private byte[] decodingPath(ByteBuf frame, short version, RequestScope scope) {
        var request = (ProduceRequestData) MessageCodec.decodeRequest(frame, ApiKeys.PRODUCE, version);
        Routed routed = ProduceRouting.route(request, version, scope);
        assertNull(routed.misrouted());
        if (!routed.changed()) {
            return bytes(frame);
        }
        ByteBuf out = MessageCodec.encodeRequest(UnpooledByteBufAllocator.DEFAULT, MessageCodec.decodeRequestHeader(frame), routed.forward());
        try {
            return bytes(out);
        } finally {
            out.release();
        }
    }

    @ParameterizedTest
    @MethodSource("versions")
    void sendsWhatTheDecodingPathSends(int v) {
        short version = (short) v;
        for (ProduceRequestData body : List.of(
            f.request(null, new Producer(IDEMPOTENT, CLIENT_EPOCH, false), virtual(), "orders", "payments"),
            f.request(TXN_ID, new Producer(f.txnVirtualId, CLIENT_EPOCH, true), virtual(), "orders", "payments"),
            f.request(null, new Producer(-1, (short) -1, false), virtual(), "orders"))) {
            ByteBuf inPlace = frame(false, version, body);
            ByteBuf decoded = frame(false, version, body);
            assertNotNull(ProduceRequestInPlace.tryRoute(inPlace, version, f.scope(TARGET)));
            assertArrayEquals(decodingPath(decoded, version, f.scope(TARGET)), bytes(inPlace));
        }
    }

    private void assertDecodingPath(ByteBuf frame, short version, RequestScope scope, String why) {
        byte[] before = bytes(frame);
        int mapped = f.producers.size();
        assertNull(ProduceRequestInPlace.tryRoute(frame, version, scope), why + ": the decoding path takes it");
        assertArrayEquals(before, bytes(frame), why + ": left exactly as the client sent it");
        assertEquals(mapped, f.producers.size(), why + ": no producer mapping made");
    }

    @ParameterizedTest
    @MethodSource("versions")
    void whatOnlyTheDecodingPathCanAnswerIsLeftToIt(int v) {
        short version = (short) v;
        Producer idempotent = new Producer(IDEMPOTENT, CLIENT_EPOCH, false);
        assertDecodingPath(frame(false, version, f.request(null, idempotent, virtual(), "orders", "stays")), version, f.scope(TARGET),
            "a topic that routes to the other cluster, after one that rewrites");
        assertDecodingPath(frame(false, version, f.request(null, new Producer(5555L, (short) 0, false), virtual(), "orders")), version,
            f.scope(TARGET), "a producer with no real id on the target yet");
        assertDecodingPath(frame(false, version, f.request(TXN_ID, new Producer(f.txnVirtualId, CLIENT_EPOCH, true), virtual(), "stays")),
            version, f.scope(SOURCE), "a transactional id that routes to the other cluster");
        f.transactional.initialized("on-source", 60_000, SOURCE, 600L, (short) 0, c -> null);
        assertDecodingPath(frame(false, version, f.request(null, new Producer(600L, (short) 0, true), virtual(), "orders")), version,
            f.scope(TARGET), "a transactional producer with no real id on this cluster (adopted there)");
        if (version >= 13) {
            assertDecodingPath(frame(false, version, f.request(null, idempotent, t -> Uuid.randomUuid(), "orders")), version,
                f.scope(TARGET), "a topic id the proxy never issued");
            assertDecodingPath(frame(false, version, f.request(null, idempotent, virtual(), "not-learnt")), version, f.scope(SOURCE),
                "a topic whose real id is not known yet");
        }
        MemoryRecords v1 = MemoryRecords.withRecords((byte) 1, Compression.NONE, new SimpleRecord("v".getBytes()));
        ProduceRequestData old = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(1000);
        old.topicData().add(new ProduceRequestData.TopicProduceData().setName("orders").setTopicId(f.topicIds.virtualId("orders"))
            .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(v1))));
        assertDecodingPath(frame(false, version, old), version, f.scope(TARGET), "a batch of an old format");
    }

    @Test
    void moreRewritesThanOnePassPlansAreLeftToTheDecodingPath() {
        short version = ProduceRequestData.HIGHEST_SUPPORTED_VERSION;
        ByteBuffer[] batches = new ByteBuffer[ProduceRequestInPlace.MAX_REWRITES + 1];
        for (int i = 0; i < batches.length; i++) {
            batches[i] = ProduceRequestFixture.batch(IDEMPOTENT, CLIENT_EPOCH, i, false, 1, i);
        }
        ProduceRequestData r = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(1000);
        r.topicData().add(new ProduceRequestData.TopicProduceData().setName("orders").setTopicId(f.topicIds.virtualId("orders"))
            .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0)
                .setRecords(ProduceRequestFixture.concat(batches)))));
        assertDecodingPath(frame(false, version, r), version, f.scope(TARGET), "4097 batches to rewrite");

        ProduceRequestData fewer = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(1000);
        fewer.topicData().add(new ProduceRequestData.TopicProduceData().setName("orders").setTopicId(f.topicIds.virtualId("orders"))
            .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0)
                .setRecords(ProduceRequestFixture.concat(java.util.Arrays.copyOf(batches, ProduceRequestInPlace.MAX_REWRITES))))));
        ByteBuf sent = frame(true, version, fewer);
        assertNotNull(ProduceRequestInPlace.tryRoute(sent, version, f.scope(TARGET)), "4096 fit");
        assertValidBatches(sent, version, IDEMPOTENT_ON_TARGET, CLIENT_EPOCH);
    }

    @Test
    void moreTopicsThanAHolderKeepsAreLeftToTheDecodingPath() {
        short version = 12;
        ProduceRequestData r = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(1000);
        for (int t = 0; t <= ProducedTopics.MAX_TOPICS; t++) {
            r.topicData().add(new ProduceRequestData.TopicProduceData().setName("stays-" + t));
        }
        assertDecodingPath(frame(false, version, r), version, f.scope(SOURCE), "1025 topics");
        r.topicData().remove(r.topicData().find("stays-0", Uuid.ZERO_UUID));
        ProducedTopics topics = ProduceRequestInPlace.tryRoute(frame(false, version, r), version, f.scope(SOURCE));
        assertNotNull(topics, "1024 fit");
        assertEquals(ProducedTopics.MAX_TOPICS, topics.size());
    }

    @Test
    void aKnownProducerCountsAsUsedSoItIsNotForgottenWhileItWrites() {
        short version = 12;
        var clock = new java.util.concurrent.atomic.AtomicLong(1_000L);
        var producers = new ProducerIdMapper(SOURCE, io.cutover.proxy.core.virtual.ProducerIdStore.none(), List.of(), clock::get);
        producers.realFor(IDEMPOTENT, TARGET, "orders", c -> new ProducerIdMapper.RealProducer(IDEMPOTENT_ON_TARGET, (short) 0));
        clock.set(50_000L);
        RequestScope s = f.scope(TARGET);
        RequestScope scope = new RequestScope(TARGET, s.routes(), s.topicIds(), true, producers, s.realIds(), s.transactional(),
            s.adopter());
        assertNotNull(ProduceRequestInPlace.tryRoute(
            frame(false, version, f.request(null, new Producer(IDEMPOTENT, CLIENT_EPOCH, false), virtual(), "orders")), version, scope));
        assertEquals(0, producers.maintain(Long.MAX_VALUE, 10_000L), "seen at 50,000, after the expiry bound");
        assertEquals(1, producers.maintain(Long.MAX_VALUE, 60_000L));
    }
}
