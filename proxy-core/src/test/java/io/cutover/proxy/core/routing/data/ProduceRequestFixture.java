package io.cutover.proxy.core.routing.data;

import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.routing.ClientRoutes;
import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.core.routing.MatchType;
import io.cutover.proxy.core.routing.ResourceType;
import io.cutover.proxy.core.routing.RouteRule;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.virtual.ProducerIdMapper;
import io.cutover.proxy.core.virtual.ProducerIdStore;
import io.cutover.proxy.core.virtual.TopicIds;
import io.cutover.proxy.core.virtual.TransactionalProducers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;

/**
 * Two clusters, a client's routes (orders and payments and transactional id txn-1 on the target,
 * everything else on the source), topic ids learnt on both, and producers as the proxy maps them:
 * idempotent producer {@link #IDEMPOTENT} has real id {@link #IDEMPOTENT_ON_TARGET} on the target,
 * transactional producer txn-1 has virtual id {@link #txnVirtualId} and real id
 * {@link #TXN_REAL_ON_TARGET} there with real epoch = client epoch - 3.
 */
final class ProduceRequestFixture {
    static final String SOURCE = "source";
    static final String TARGET = "target";
    static final long IDEMPOTENT = 4711L;
    static final long IDEMPOTENT_ON_TARGET = 900L;
    static final long TXN_REAL_ON_TARGET = 7001L;
    static final int TXN_EPOCH_OFFSET = 3;
    static final short CLIENT_EPOCH = 5;
    static final String TXN_ID = "txn-1";

    final TopicIds topicIds = new TopicIds();
    final ProducerIdMapper producers = new ProducerIdMapper(SOURCE, ProducerIdStore.none(), List.of(), System::currentTimeMillis);
    final TransactionalProducers transactional = new TransactionalProducers(SOURCE, ProducerIdStore.none(), List.of(),
        System::currentTimeMillis);
    final long txnVirtualId;
    final ClientRoutes routes;
    private long nextSourceId = 800L;

    ProduceRequestFixture() throws Exception {
        for (String t : List.of("orders", "payments", "stays")) {
            topicIds.learn(SOURCE, t, Uuid.randomUuid());
            topicIds.learn(TARGET, t, Uuid.randomUuid());
        }
        RouteTable table = RouteTable.initial()
            .withRule(new RouteRule(ResourceType.TOPIC, MatchType.EXACT, "orders", ClientSelector.ANY, TARGET))
            .withRule(new RouteRule(ResourceType.TOPIC, MatchType.EXACT, "payments", ClientSelector.ANY, TARGET))
            .withRule(new RouteRule(ResourceType.TRANSACTIONAL_ID, MatchType.EXACT, TXN_ID, ClientSelector.ANY, TARGET));
        routes = table.forClient(new ClientSelector.ClientIdentity("app", InetAddress.getLoopbackAddress()));
        for (String t : List.of("orders", "payments")) {
            if (producers.realFor(IDEMPOTENT, TARGET, t, c -> new ProducerIdMapper.RealProducer(IDEMPOTENT_ON_TARGET, (short) 0))
                != IDEMPOTENT_ON_TARGET) {
                throw new IllegalStateException("the mapping is not as the fixture expects");
            }
        }
        // Initialised on the target (epoch 2), then again (real epoch 0): the client's epoch moves on to 3.
        ProducerIdMapper.RealIdSource sourceIds = c -> new ProducerIdMapper.RealProducer(nextSourceId++, (short) 0);
        long[] first = transactional.initialized(TXN_ID, 60_000, TARGET, 7000L, (short) 2, sourceIds);
        long[] second = transactional.initialized(TXN_ID, 60_000, TARGET, TXN_REAL_ON_TARGET, (short) 0, sourceIds);
        txnVirtualId = second[0];
        if (first[0] != second[0] || second[1] != TXN_EPOCH_OFFSET) {
            throw new IllegalStateException("the transactional producer is not as the fixture expects");
        }
    }

    RequestScope scope(String cluster) {
        return new RequestScope(cluster, routes, topicIds, true, producers,
            c -> { throw new AssertionError("the in-place path never takes a real id"); }, transactional,
            (id, c) -> { throw new AssertionError("the in-place path never adopts"); });
    }

    /** One v2 batch of {@code n} records with fixed timestamps, so that two builds give the same bytes. */
    static ByteBuffer batch(long producerId, short epoch, int baseSequence, boolean transactional, int n, long firstOffset) {
        SimpleRecord[] rs = new SimpleRecord[n];
        for (int i = 0; i < n; i++) {
            rs[i] = new SimpleRecord(1_700_000_000_000L + i, ("k" + i).getBytes(StandardCharsets.UTF_8),
                ("value-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords((byte) 2, firstOffset, Compression.NONE, TimestampType.CREATE_TIME, producerId, epoch,
            baseSequence, -1, transactional, rs).buffer();
    }

    static MemoryRecords concat(ByteBuffer... batches) {
        int size = 0;
        for (ByteBuffer b : batches) {
            size += b.remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(size);
        for (ByteBuffer b : batches) {
            all.put(b.duplicate());
        }
        all.flip();
        return MemoryRecords.readableRecords(all);
    }

    /** What a producer's batches look like: a producer id and epoch, transactional or not. */
    record Producer(long id, short epoch, boolean transactional) {
    }

    /**
     * A Produce request for {@code topics}, 2 partitions each, 3 batches of 4 records per partition,
     * every batch under {@code producer}, topics named by name or by {@code id(topic)} as the
     * version wants.
     */
    ProduceRequestData request(String transactionalId, Producer producer, java.util.function.Function<String, Uuid> id,
                               String... topics) {
        ProduceRequestData r = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000).setTransactionalId(transactionalId);
        for (String t : topics) {
            ProduceRequestData.TopicProduceData td = new ProduceRequestData.TopicProduceData().setName(t).setTopicId(id.apply(t));
            for (int p = 0; p < 2; p++) {
                td.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(p).setRecords(concat(
                    batch(producer.id(), producer.epoch(), 0, producer.transactional(), 4, 0),
                    batch(producer.id(), producer.epoch(), 4, producer.transactional(), 4, 4),
                    batch(producer.id(), producer.epoch(), 8, producer.transactional(), 4, 8))));
            }
            r.topicData().add(td);
        }
        return r;
    }

    static ByteBuf frame(ByteBufAllocator alloc, short version, ProduceRequestData body) {
        RequestHeaderData h = new RequestHeaderData().setRequestApiKey(ApiKeys.PRODUCE.id).setRequestApiVersion(version)
            .setCorrelationId(17).setClientId("producer-1");
        return MessageCodec.encodeRequest(alloc, h, body);
    }

    static byte[] bytes(ByteBuf frame) {
        byte[] b = new byte[frame.readableBytes()];
        frame.getBytes(frame.readerIndex(), b);
        return b;
    }
}
