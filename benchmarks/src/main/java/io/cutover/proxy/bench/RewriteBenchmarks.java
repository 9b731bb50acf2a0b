package io.cutover.proxy.bench;

import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.node.NodeIdSpace;
import io.cutover.proxy.core.node.NodePortStore;
import io.cutover.proxy.core.node.NodeRegistry;
import io.cutover.proxy.core.node.PortBinder;
import io.cutover.proxy.core.node.PortRange;
import io.cutover.proxy.core.rewrite.ClusterNodeMapper;
import io.cutover.proxy.core.rewrite.ErrorCounter;
import io.cutover.proxy.core.rewrite.LeaderHints;
import io.cutover.proxy.core.rewrite.MetadataRewriter;
import io.cutover.proxy.core.routing.data.ResponseRewriting;
import io.cutover.proxy.core.rewrite.RewriteContext;
import io.cutover.proxy.core.routing.data.FetchResponseInPlace;
import io.cutover.proxy.core.virtual.RecordBatchHeaders;
import io.cutover.proxy.core.virtual.TopicIds;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The response side and identity rewriting: Metadata rewrite, producer-id rewrite with CRC32C,
 * Fetch topic-id and epoch rewrite in place (and, for contrast, decode and re-encode), and the
 * Fetch pass-through check. Records are 1 KiB; per-record costs are per-op costs divided by the
 * records named in each benchmark.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RewriteBenchmarks {
    /** 10 partitions x 100 records of 1 KiB: about 1 MiB, a typical consumer fetch. */
    static final int PARTITIONS = 10;
    static final int RECORDS = 100;

    private ByteBuf metadata;
    private ByteBuf fetch;
    private ByteBuf fetchWithHint;
    private ByteBuffer batch;
    private RewriteContext virtualising;
    private RewriteContext plain;
    private TopicIds ids;
    private Uuid realId;
    private final ResponseRewriting rewriting = new ResponseRewriting();
    private final MetadataRewriter metadataRewriter = new MetadataRewriter();

    @Setup(Level.Trial)
    public void setUp() {
        NodeRegistry registry = new NodeRegistry(new NodeIdSpace(Map.of("source", 0, "target", 100_000)), new PortRange(40000, 40099),
            NodePortStore.inMemory());
        registry.start(PortBinder.NONE);
        ids = new TopicIds();
        realId = Uuid.randomUuid();
        ids.learn("target", "topic-0", realId);
        virtualising = new RewriteContext("target", new ClusterNodeMapper(registry, "target", "proxy"), ErrorCounter.NONE, ids, true);
        plain = new RewriteContext("target", new ClusterNodeMapper(registry, "target", "proxy"), ErrorCounter.NONE, ids, false);
        metadata = Messages.response(ApiKeys.METADATA, (short) 12, Messages.metadataResponse(3, 100, 6));
        fetch = Messages.response(ApiKeys.FETCH, (short) 17, Messages.fetchResponse(realId, PARTITIONS, RECORDS));
        FetchResponseData hinted = Messages.fetchResponse(realId, PARTITIONS, RECORDS);
        hinted.responses().get(0).partitions().get(0).currentLeader().setLeaderId(2).setLeaderEpoch(9);
        fetchWithHint = Messages.response(ApiKeys.FETCH, (short) 17, hinted);
        batch = Messages.batch(16, 4242L, 5).buffer();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        metadata.release();
        fetch.release();
        fetchWithHint.release();
    }

    /** Decode, rewrite (3 brokers, 100 topics x 6 partitions) and re-encode a Metadata v12 response. */
    @Benchmark
    public ByteBuf metadataRewrite() {
        MetadataResponseData m = (MetadataResponseData) MessageCodec.decodeResponse(metadata, ApiKeys.METADATA, (short) 12);
        metadataRewriter.rewrite(m, (short) 12, plain);
        ByteBuf out = MessageCodec.encodeResponse(PooledByteBufAllocator.DEFAULT, 17, ApiKeys.METADATA, (short) 12, m);
        out.release();
        return out;
    }

    /** Producer id and epoch into one batch of 16 x 1 KiB records, CRC32C recomputed over it. */
    @Benchmark
    public int producerIdRewrite16Records() {
        RecordBatchHeaders.setProducer(batch, 0, batch.remaining(), 987654321L, (short) 2);
        return batch.getInt(17);
    }

    /** Topic ids and every batch's epoch rewritten in place in a Fetch v17 response of 1,000 records. */
    @Benchmark
    public boolean fetchVirtualiseInPlace1000Records() {
        // The frame is rewritten each time: the second time its id is already virtual, which the
        // proxy never sees, so put the real one back first (16 bytes, negligible).
        restoreRealId(fetch);
        return FetchResponseInPlace.tryRewrite(fetch, (short) 17, "target", ids);
    }

    /** For contrast: the same response decoded, rewritten and re-encoded (records copied). */
    @Benchmark
    public ByteBuf fetchVirtualiseByDecoding1000Records() {
        ByteBuf out = rewriting.rewrite(PooledByteBufAllocator.DEFAULT, fetchWithHint, ApiKeys.FETCH.id, (short) 17, virtualising, null);
        if (out != fetchWithHint) {
            out.release();
        }
        return out;
    }

    /** The pass-through check on a Fetch v17 response of 1,000 records: does it name a broker? */
    @Benchmark
    public boolean fetchPassThroughCheck1000Records() {
        return LeaderHints.present(fetch, ApiKeys.FETCH.id, (short) 17);
    }

    private void restoreRealId(ByteBuf frame) {
        // The topic id is the first field of the first topic: right after throttle_time_ms (4),
        // error_code (2), session_id (4) and the topics array length (1-byte varint), after header v1.
        int at = frame.readerIndex() + 4 + 4 + 1 + 4 + 2 + 4 + 1;
        frame.setLong(at, realId.getMostSignificantBits());
        frame.setLong(at + 8, realId.getLeastSignificantBits());
    }
}
