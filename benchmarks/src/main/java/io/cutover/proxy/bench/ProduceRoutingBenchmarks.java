package io.cutover.proxy.bench;

import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.codec.RequestFrames;
import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.core.routing.MatchType;
import io.cutover.proxy.core.routing.ResourceType;
import io.cutover.proxy.core.routing.RouteRule;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.routing.data.ProduceRequestInPlace;
import io.cutover.proxy.core.routing.data.ProduceRouting;
import io.cutover.proxy.core.routing.data.ProducedTopics;
import io.cutover.proxy.core.routing.data.RequestScope;
import io.cutover.proxy.core.routing.data.Routed;
import io.cutover.proxy.core.virtual.ProducerIdMapper;
import io.cutover.proxy.core.virtual.ProducerIdStore;
import io.cutover.proxy.core.virtual.TopicIds;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.requests.AbstractRequest;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A Produce in routing mode, on a connection to the target: an idempotent producer whose topic
 * moved there, so every batch gets its real target producer id (CRC32C recomputed) and, from v13,
 * the topic its real id. One frame of 10 partitions x 1 batch x 100 records of 1 KiB, the request
 * a Java producer sends with batch.size 100 KiB. Per-record costs are per-op costs / 1,000.
 *
 * With producer=identity the producer writes the cluster its id comes from: no batch changes.
 *
 * <p>Both paths rewrite the same frame again and again. So that every op does the full work, the
 * producer is mapped both ways (4242 to 900 and 900 to 4242 on the target): each op turns the ids
 * over, a real rewrite every time; the in-place path also puts the virtual topic id back (16 bytes).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ProduceRoutingBenchmarks {
    static final int PARTITIONS = 10;
    static final int RECORDS = 100;
    private static final String TOPIC = "orders";
    private static final long CLIENT_ID = 4242L;
    private static final long TARGET_ID = 900L;

    /** 12: topics by name (no re-encoding on the decoding path); 13: by id (re-encoded there). */
    @Param({"12", "13"})
    public short version;

    /**
     * moved: the topic moved to the target, every batch header rewritten; identity: the producer
     * writes the cluster its id comes from, nothing in the batches changes (the walk alone).
     */
    @Param({"moved", "identity"})
    public String producer;

    private ByteBuf frame;
    private RequestScope scope;
    private Uuid virtualId;
    private int topicIdAt;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        TopicIds ids = new TopicIds();
        ids.learn("source", TOPIC, Uuid.randomUuid());
        ids.learn("target", TOPIC, Uuid.randomUuid());
        virtualId = ids.virtualId(TOPIC);
        ProducerIdMapper producers = new ProducerIdMapper("source", ProducerIdStore.none(), List.of(), System::currentTimeMillis);
        producers.realFor(CLIENT_ID, "target", TOPIC, c -> new ProducerIdMapper.RealProducer(TARGET_ID, (short) 0));
        producers.realFor(TARGET_ID, "target", TOPIC, c -> new ProducerIdMapper.RealProducer(CLIENT_ID, (short) 0));
        var routes = RouteTable.initial().withRule(new RouteRule(ResourceType.TOPIC, MatchType.EXACT, TOPIC, ClientSelector.ANY, "target"))
            .forClient(new ClientSelector.ClientIdentity("producer-1", InetAddress.getLoopbackAddress()));
        String identity = producer.equals("moved") ? "source" : "target";
        if (!producer.equals("moved")) {
            producers = new ProducerIdMapper(identity, ProducerIdStore.none(), List.of(), System::currentTimeMillis);
        }
        scope = new RequestScope("target", routes, ids, true, producers, c -> null, null, (id, c) -> { });

        ProduceRequestData p = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000);
        ProduceRequestData.TopicProduceData td = new ProduceRequestData.TopicProduceData().setName(TOPIC).setTopicId(virtualId);
        for (int i = 0; i < PARTITIONS; i++) {
            td.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(i).setRecords(Messages.batch(RECORDS, CLIENT_ID, -1)));
        }
        p.topicData().add(td);
        frame = Messages.request(ApiKeys.PRODUCE, version, p);
        // v13: the first topic id follows a null compact transactional id (1), acks (2), timeout (4)
        // and the topics' compact array length (1).
        topicIdAt = frame.readerIndex() + RequestFrames.bodyOffset(frame, ApiKeys.PRODUCE) + 1 + 2 + 4 + 1;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        frame.release();
    }

    /** The new path: topic id and 10 batch headers rewritten where they lie. */
    @Benchmark
    public ProducedTopics inPlace1000Records() {
        if (version >= 13) {
            frame.setLong(topicIdAt, virtualId.getMostSignificantBits());
            frame.setLong(topicIdAt + 8, virtualId.getLeastSignificantBits());
        }
        ProducedTopics topics = ProduceRequestInPlace.tryRoute(frame, version, scope);
        if (topics == null) {
            throw new IllegalStateException("the benchmark's Produce must route in place");
        }
        return topics;
    }

    /** The old path, as the router ran it: parse, route (batch headers edited in the frame), and re-encode when changed. */
    @Benchmark
    public Object decodeAndEncode1000Records() {
        AbstractRequest request = AbstractRequest.parseRequest(ApiKeys.PRODUCE, version,
            new ByteBufferAccessor(MessageCodec.requestBody(frame))).request;
        Routed routed = ProduceRouting.route((ProduceRequestData) request.data(), version, scope);
        if (routed.misrouted() != null) {
            throw new IllegalStateException("the benchmark's Produce must route whole");
        }
        if (!routed.changed()) {
            return routed;
        }
        ByteBuf out = MessageCodec.encodeRequest(PooledByteBufAllocator.DEFAULT, MessageCodec.decodeRequestHeader(frame), routed.forward());
        out.release();
        return out;
    }
}
