package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.api.ApiHandling;
import io.cutover.proxy.core.api.ApiSupport;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.Topics;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Hostile input never leaks memory or hurts other clients. Mutated request frames of every advertised
 * API and version go to a proxy routing between two real clusters, over many connections, while a
 * bystander producer (acks=all) keeps writing through the same proxy. Afterwards the proxy's direct
 * memory is back at its baseline, every bystander send was acknowledged in good time, and Netty's
 * leak detector (PARANOID in tests, see LeakDetectionExtension) found nothing.
 *
 * <p>The seed is printed; rerun one with {@code -Dfuzz.seed=...}.
 */
@ExtendWith(KafkaClusterExtension.class)
class FrameFuzzTest {
    private static final int MUTATED_FRAMES = Integer.getInteger("fuzz.frames", 100_000);
    private static final int WORKERS = 3;
    private static final int MAX_FRAMES_PER_CONNECTION = 60;
    /** Pools keep some chunks for reuse after a burst; a leaked frame of the large case is 64 MiB alone. */
    private static final long DIRECT_TOLERANCE = 24L << 20;
    private static final Duration BYSTANDER_MAX_LATENCY = Duration.ofSeconds(10);
    private static final int LARGE_FRAME_BYTES = 64 << 20;
    private static final int LARGE_FRAMES = 3;

    private static final String TOPIC = "fuzz-source";
    private static final String MOVED = "fuzz-moved";
    private static final String BYSTANDER_TOPIC = "fuzz-bystander";

    private static EmbeddedKafkaCluster source;
    private static RunningProxy proxy;
    private static long seed;

    @BeforeAll
    static void start(EmbeddedKafkaCluster src, @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        source = src;
        try (Admin s = Clients.admin(src.bootstrapServers()); Admin t = Clients.admin(target.bootstrapServers())) {
            Topics.create(s, new NewTopic(TOPIC, 1, (short) 1), new NewTopic(MOVED, 1, (short) 1), new NewTopic(BYSTANDER_TOPIC, 1, (short) 1));
            Topics.create(t, new NewTopic(MOVED, 1, (short) 1));
        }
        proxy = RunningProxy.routing(src, target, Map.of());
        proxy.flipTopic(MOVED, "target");
        seed = Long.getLong("fuzz.seed", System.nanoTime());
        System.out.println("FrameFuzzTest seed " + seed + " (rerun with -Dfuzz.seed=" + seed + ")");
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
    }

    /** Direct memory held by the allocator the proxy's channels use (Netty's default). */
    private static long directUsed() {
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
    }

    private static long awaitDirectBackTo(long baseline, String after) {
        return Await.until("direct memory back within " + (DIRECT_TOLERANCE >> 20) + " MiB of its baseline " + mib(baseline) + " after " + after,
            Duration.ofSeconds(30), FrameFuzzTest::directUsed, used -> used <= baseline + DIRECT_TOLERANCE);
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }

    @Test
    void mutatedFramesOfEveryApiLeakNothingAndLeaveOthersServed() throws Exception {
        FuzzFrames corpus = FuzzFrames.build(TOPIC, MOVED);
        EnumSet<ApiKeys> advertised = EnumSet.noneOf(ApiKeys.class);
        for (ApiKeys api : ApiKeys.values()) {
            if (ApiSupport.handling(api.id) != ApiHandling.HIDDEN) {
                advertised.add(api);
            }
        }
        assertEquals(advertised, EnumSet.copyOf(corpus.apis()), "a valid frame for every advertised API");
        boolean bothHeaders = corpus.frames().stream().anyMatch(f -> f.headerTagsAt() < 0)
            && corpus.frames().stream().anyMatch(f -> f.headerTagsAt() >= 0);
        assertTrue(bothHeaders, "frames with request header v1 and v2");

        InetSocketAddress address = address(proxy.bootstrapServers());
        double requestsBefore = proxy.metric("cutover_proxy_requests_total");
        double errorsBefore = proxy.metric("cutover_proxy_errors_total", "origin=\"proxy\"");
        try (Bystander bystander = Bystander.start(proxy.bootstrapServers(), BYSTANDER_TOPIC)) {
            bystander.awaitAcked(20);
            long baseline = directUsed();
            long started = System.nanoTime();
            AtomicLong mutated = new AtomicLong();
            AtomicLong valid = new AtomicLong();
            AtomicLong connections = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(WORKERS * 2);
            try {
                List<Future<?>> workers = new ArrayList<>();
                for (int w = 0; w < WORKERS; w++) {
                    Random r = new Random(seed + w);
                    workers.add(pool.submit(() -> {
                        while (mutated.get() < MUTATED_FRAMES) {
                            connections.incrementAndGet();
                            sendOneConnection(address, corpus, r, pool, mutated, valid);
                        }
                        return null;
                    }));
                }
                for (Future<?> w : workers) {
                    w.get(5, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdownNow();
            }
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            long peak = directUsed();
            long after = awaitDirectBackTo(baseline, "the fuzz");
            bystander.awaitAcked(bystander.sent() - 1);
            Bystander.Result b = bystander.stop();
            double processed = proxy.metric("cutover_proxy_requests_total") - requestsBefore;
            double refused = proxy.metric("cutover_proxy_errors_total", "origin=\"proxy\"") - errorsBefore;
            System.out.printf("FrameFuzzTest: %d mutated + %d valid frames over %d connections in %d ms (seed %d, %d frames in corpus over %d APIs);"
                    + " the proxy counted %.0f requests and %.0f errors; direct memory baseline %s, right after %s, settled %s"
                    + " (PlatformDependent.usedDirectMemory %d); bystander %d sends acknowledged, slowest %d ms%n",
                mutated.get(), valid.get(), connections.get(), elapsedMs, seed, corpus.frames().size(), corpus.apis().size(),
                processed, refused, mib(baseline), mib(peak), mib(after), PlatformDependent.usedDirectMemory(), b.acked(), b.slowestMs());
            assertTrue(mutated.get() >= MUTATED_FRAMES);
            assertEquals(0, b.failed(), "every bystander send acknowledged; first failure: " + b.firstFailure());
            assertEquals(b.sent(), b.acked(), "every bystander send acknowledged");
            assertTrue(b.slowestMs() < BYSTANDER_MAX_LATENCY.toMillis(), "slowest bystander send took " + b.slowestMs() + " ms");
            assertTrue(refused > 0, "the proxy refused some of the mutated frames");
        }
    }

    /**
     * Frames of a few tens of MiB whose header claims a tagged field of 2^31 - 1 bytes, to a proxy in
     * front of one cluster, where a Produce reaches the forwarder's acks read: before the fix the
     * overflow surfaced there as an IndexOutOfBoundsException and each frame was never released.
     */
    @Test
    void largeFramesWithATaggedFieldOverflowAreReleased() throws Exception {
        try (RunningProxy single = RunningProxy.in(source, Map.of());
             Bystander bystander = Bystander.start(single.bootstrapServers(), BYSTANDER_TOPIC)) {
            bystander.awaitAcked(5);
            long baseline = directUsed();
            InetSocketAddress address = address(single.bootstrapServers());
            byte[] frame = FuzzFrames.largeTaggedFieldOverflow(LARGE_FRAME_BYTES);
            ExecutorService readers = Executors.newFixedThreadPool(2);
            AtomicLong peak = new AtomicLong();
            AtomicLong peakNetty = new AtomicLong();
            java.util.concurrent.atomic.AtomicBoolean sampling = new java.util.concurrent.atomic.AtomicBoolean(true);
            try {
                // Samples what the proxy holds while a frame arrives, to show the frame was really held.
                readers.submit(() -> {
                    while (sampling.get()) {
                        peak.accumulateAndGet(directUsed(), Math::max);
                        peakNetty.accumulateAndGet(PlatformDependent.usedDirectMemory(), Math::max);
                        Thread.sleep(2); // the sampling rate, not synchronisation
                    }
                    return null;
                });
                for (int i = 0; i < LARGE_FRAMES; i++) {
                    try (SocketChannel ch = SocketChannel.open(address)) {
                        Future<?> drained = readers.submit(() -> drain(ch));
                        write(ch, ByteBuffer.wrap(frame));
                        drained.get(60, TimeUnit.SECONDS);
                    }
                    awaitDirectBackTo(baseline, "large frame " + (i + 1));
                }
            } finally {
                sampling.set(false);
                readers.shutdownNow();
            }
            long after = directUsed();
            bystander.awaitAcked(bystander.sent() - 1);
            Bystander.Result b = bystander.stop();
            System.out.printf("FrameFuzzTest large frames: %d x %s with a tagged-field overflow; direct memory baseline %s, highest seen %s"
                    + " (PlatformDependent.usedDirectMemory highest %s), after %s; bystander %d sends acknowledged, slowest %d ms%n",
                LARGE_FRAMES, mib(LARGE_FRAME_BYTES), mib(baseline), mib(peak.get()), mib(peakNetty.get()), mib(after), b.acked(), b.slowestMs());
            assertEquals(0, b.failed(), "every bystander send acknowledged; first failure: " + b.firstFailure());
            assertTrue(b.slowestMs() < BYSTANDER_MAX_LATENCY.toMillis(), "slowest bystander send took " + b.slowestMs() + " ms");
            Await.until("the malformed frames counted", Duration.ofSeconds(10),
                () -> single.metric("cutover_proxy_errors_total", "code=\"MALFORMED_FRAME\"", "origin=\"proxy\"") >= LARGE_FRAMES);
        }
    }

    /**
     * One connection: up to {@value #MAX_FRAMES_PER_CONNECTION} frames, most of them mutated, written
     * while another thread reads whatever comes back; then the write side is shut and the connection
     * read to its end. The proxy closes most of them itself, at the first frame it refuses.
     */
    private static void sendOneConnection(InetSocketAddress address, FuzzFrames corpus, Random r, ExecutorService pool,
                                          AtomicLong mutated, AtomicLong valid) throws Exception {
        int n = 1 + r.nextInt(MAX_FRAMES_PER_CONNECTION);
        List<byte[]> frames = new ArrayList<>(n);
        int total = 0;
        int mutatedHere = 0;
        for (int i = 0; i < n; i++) {
            FuzzFrames.Frame f = corpus.pick(r);
            byte[] bytes;
            if (r.nextInt(8) == 0) {
                bytes = f.bytes().clone();
                ByteBuffer.wrap(bytes).putInt(8, i);
            } else {
                bytes = FuzzFrames.mutate(f, r, i);
                mutatedHere++;
            }
            frames.add(bytes);
            total += bytes.length;
        }
        ByteBuffer out = ByteBuffer.allocate(total);
        frames.forEach(out::put);
        out.flip();
        try (SocketChannel ch = SocketChannel.open(address)) {
            Future<?> drained = pool.submit(() -> drain(ch));
            try {
                write(ch, out);
                ch.shutdownOutput();
            } catch (IOException e) {
                // Closed by the proxy while we wrote: expected for a refused frame.
            }
            drained.get(30, TimeUnit.SECONDS);
        }
        mutated.addAndGet(mutatedHere);
        valid.addAndGet(n - mutatedHere);
    }

    private static void write(SocketChannel ch, ByteBuffer out) throws IOException {
        while (out.hasRemaining()) {
            ch.write(out);
        }
    }

    /** Reads and drops what the proxy sends until it closes the connection. */
    private static Void drain(SocketChannel ch) {
        ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        try {
            while (ch.read(in) >= 0) {
                in.clear();
            }
        } catch (IOException e) {
            // Reset by the proxy: as good as closed.
        }
        return null;
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    /** A real producer, acks=all, writing a record every 20 ms and timing each acknowledgement. */
    private static final class Bystander implements AutoCloseable {
        record Result(long sent, long acked, long failed, long slowestMs, Throwable firstFailure) {
        }

        private final KafkaProducer<String, String> producer;
        private final String topic;
        private final Thread thread;
        private final AtomicLong sent = new AtomicLong();
        private final AtomicLong acked = new AtomicLong();
        private final AtomicLong failed = new AtomicLong();
        private final AtomicLong slowestNanos = new AtomicLong();
        private volatile Throwable firstFailure;
        private volatile boolean running = true;

        private Bystander(String bootstrap, String topic) {
            this.producer = Clients.producer(bootstrap, Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000));
            this.topic = topic;
            this.thread = new Thread(this::run, "fuzz-bystander");
        }

        static Bystander start(String bootstrap, String topic) {
            Bystander b = new Bystander(bootstrap, topic);
            b.thread.start();
            return b;
        }

        private void run() {
            while (running) {
                long start = System.nanoTime();
                sent.incrementAndGet();
                producer.send(new ProducerRecord<>(topic, "bystander", "record"), (md, e) -> {
                    if (e != null) {
                        failed.incrementAndGet();
                        if (firstFailure == null) {
                            firstFailure = e;
                        }
                        return;
                    }
                    slowestNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                    acked.incrementAndGet();
                });
                try {
                    Thread.sleep(20); // the producer's pace, not synchronisation
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        long sent() {
            return sent.get();
        }

        void awaitAcked(long n) {
            Await.until("the bystander has " + n + " sends acknowledged", Duration.ofSeconds(60), () -> acked.get() + failed.get() >= n);
        }

        Result stop() {
            running = false;
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            producer.flush();
            return new Result(sent.get(), acked.get(), failed.get(), TimeUnit.NANOSECONDS.toMillis(slowestNanos.get()), firstFailure);
        }

        @Override
        public void close() {
            running = false;
            producer.close(Duration.ofSeconds(10));
        }
    }
}
