package io.cutover.proxy.bench;

import io.cutover.proxy.core.codec.RequestFrames;
import io.cutover.proxy.core.codec.SchemaWalker;
import io.cutover.proxy.server.wire.KafkaFrameDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The request side of the hot path: cutting frames, reading headers, and finding topics and
 * partitions in Produce and Fetch requests without decoding records.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class WireBenchmarks {
    /** 32 Produce v12 requests of one topic, 2 partitions x 4 records of 1 KiB each, back to back. */
    private ByteBuf stream;
    private ByteBuf produce;
    private ByteBuf fetch;
    private EmbeddedChannel channel;
    private SchemaWalker produceWalker;
    private SchemaWalker fetchWalker;
    private int produceBody;
    private int fetchBody;

    @Setup(Level.Trial)
    public void setUp() {
        produce = Messages.produceRequest((short) 12, 1, 2, 4);
        fetch = Messages.fetchRequest((short) 17, 4, 8);
        stream = PooledByteBufAllocator.DEFAULT.directBuffer(produce.readableBytes() * 32);
        for (int i = 0; i < 32; i++) {
            stream.writeBytes(produce, produce.readerIndex(), produce.readableBytes());
        }
        channel = new EmbeddedChannel(new KafkaFrameDecoder(100 << 20, RequestFrames.MIN_FRAME_BYTES, "request"));
        produceWalker = SchemaWalker.compile(ProduceRequestData.SCHEMAS[12], List.of("topic_data.name", "topic_data.partition_data.index"));
        fetchWalker = SchemaWalker.compile(FetchRequestData.SCHEMAS[17], List.of("topics.topic_id", "topics.partitions.partition"));
        produceBody = produce.readerIndex() + RequestFrames.bodyOffset(produce, ApiKeys.PRODUCE);
        fetchBody = fetch.readerIndex() + RequestFrames.bodyOffset(fetch, ApiKeys.FETCH);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        stream.release();
        produce.release();
        fetch.release();
        channel.finishAndReleaseAll();
    }

    /** Cuts 32 frames out of one read; per op = 32 frames. */
    @Benchmark
    public void frameDecode32(Blackhole bh) {
        channel.writeInbound(stream.retainedDuplicate());
        ByteBuf frame;
        while ((frame = channel.readInbound()) != null) {
            bh.consume(frame.readableBytes());
            frame.release();
        }
    }

    @Benchmark
    public int requestHeaderParse() {
        return RequestFrames.apiKey(produce) + RequestFrames.apiVersion(produce) + RequestFrames.correlationId(produce)
            + RequestFrames.bodyOffset(produce, ApiKeys.PRODUCE);
    }

    @Benchmark
    public void produceTopicsAndPartitions(Blackhole bh) {
        produceWalker.walk(produce, produceBody, produce.writerIndex(), (watch, buf, offset, length) -> bh.consume(offset));
    }

    @Benchmark
    public void fetchTopicsAndPartitions(Blackhole bh) {
        fetchWalker.walk(fetch, fetchBody, fetch.writerIndex(), (watch, buf, offset, length) -> bh.consume(offset));
    }
}
