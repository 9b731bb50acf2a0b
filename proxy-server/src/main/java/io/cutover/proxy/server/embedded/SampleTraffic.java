package io.cutover.proxy.server.embedded;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A steady trickle of orders through the proxy, so the embedded demo has live clients to move: one
 * idempotent producer and one consumer in a group, each on its own daemon thread. They are there to
 * be watched, so nothing they run into (the proxy refusing them, a flip, a broker going away) may
 * stop them or the proxy; each kind of failure is logged once and the loop carries on.
 */
public final class SampleTraffic implements AutoCloseable {
    public static final String TOPIC = "orders";
    public static final String PRODUCER_CLIENT_ID = "orders-producer";
    public static final String CONSUMER_CLIENT_ID = "orders-consumer";
    public static final String CONSUMER_GROUP = "orders-app";
    /** Every thread this class starts has a name that begins with this. */
    public static final String THREAD_PREFIX = "sample-traffic-";
    /** Enough to see lag and a flip move, little enough to leave the demo idle on a laptop. */
    public static final int RECORDS_PER_SECOND = 20;

    private static final Logger log = LoggerFactory.getLogger(SampleTraffic.class);
    private static final long SEND_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1) / RECORDS_PER_SECOND;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);
    private static final List<String> ITEMS = List.of("espresso", "croissant", "bagel", "muffin", "latte");

    private final KafkaProducer<String, String> producer;
    private final KafkaConsumer<String, String> consumer;
    private final Thread producerThread;
    private final Thread consumerThread;
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong consumed = new AtomicLong();
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    private SampleTraffic(KafkaProducer<String, String> producer, KafkaConsumer<String, String> consumer) {
        this.producer = producer;
        this.consumer = consumer;
        this.producerThread = daemon(PRODUCER_CLIENT_ID, this::produce);
        this.consumerThread = daemon(CONSUMER_CLIENT_ID, this::consume);
    }

    /** Starts producing to and consuming from {@link #TOPIC} through {@code bootstrap}. */
    public static SampleTraffic start(String bootstrap) {
        KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(bootstrap));
        KafkaConsumer<String, String> consumer;
        try {
            consumer = new KafkaConsumer<>(consumerConfig(bootstrap));
        } catch (RuntimeException e) {
            producer.close(CLOSE_TIMEOUT);
            throw e;
        }
        SampleTraffic traffic = new SampleTraffic(producer, consumer);
        traffic.producerThread.start();
        traffic.consumerThread.start();
        return traffic;
    }

    private static Map<String, Object> producerConfig(String bootstrap) {
        return Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            ProducerConfig.CLIENT_ID_CONFIG, PRODUCER_CLIENT_ID,
            ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    }

    private static Map<String, Object> consumerConfig(String bootstrap) {
        return Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            ConsumerConfig.CLIENT_ID_CONFIG, CONSUMER_CLIENT_ID,
            ConsumerConfig.GROUP_ID_CONFIG, CONSUMER_GROUP,
            ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic",
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, true,
            // The group's progress is what a wave carries over; at the 5 s default the committed
            // offsets (and MM2's checkpoints of them) trail what the demo shows by seconds.
            ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, 1000,
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    }

    private void produce() {
        long sequence = 0;
        long next = System.nanoTime();
        try {
            while (!closed.get()) {
                long seq = sequence++;
                try {
                    producer.send(new ProducerRecord<>(TOPIC, "order-" + seq, order(seq)), (metadata, e) -> {
                        if (e == null) {
                            sent.incrementAndGet();
                        } else {
                            reportOnce(PRODUCER_CLIENT_ID, e);
                        }
                    });
                } catch (RuntimeException e) {
                    if (closed.get()) {
                        return; // close() shut the producer under a blocked send
                    }
                    reportOnce(PRODUCER_CLIENT_ID, e);
                }
                // A fixed rate, not a fixed pause: a slow send does not lower the rate. The latch is
                // the pacing clock so that close() ends the wait at once.
                next += SEND_INTERVAL_NANOS;
                long wait = next - System.nanoTime();
                if (wait < 0) {
                    next = System.nanoTime(); // fell behind (a blocked send); do not burst to catch up
                } else if (stopping.await(wait, TimeUnit.NANOSECONDS)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String order(long seq) {
        return "{\"orderId\":" + seq + ",\"item\":\"" + ITEMS.get((int) (seq % ITEMS.size())) + "\",\"quantity\":" + (1 + seq % 3)
            + ",\"ts\":\"" + Instant.now() + "\"}";
    }

    private void consume() {
        // KafkaConsumer is single-threaded: only this thread uses it, close() may only wake it up.
        try {
            consumer.subscribe(List.of(TOPIC));
            while (!closed.get()) {
                try {
                    consumed.addAndGet(consumer.poll(Duration.ofMillis(500)).count());
                } catch (WakeupException e) {
                    return;
                } catch (RuntimeException e) {
                    reportOnce(CONSUMER_CLIENT_ID, e);
                    // A failing poll may fail again at once; back off, but wake for close().
                    if (stopping.await(1, TimeUnit.SECONDS)) {
                        return;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeConsumer();
        }
    }

    private void closeConsumer() {
        try {
            // Commits the last auto-commit position, so a restarted demo does not count records twice.
            consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
        } catch (RuntimeException e) {
            reportOnce(CONSUMER_CLIENT_ID, e);
        }
    }

    private void reportOnce(String client, Throwable e) {
        if (reported.add(client + ":" + e.getClass().getName())) {
            log.warn("sample {} hit {} (further ones of this kind are not logged): {}", client, e.getClass().getSimpleName(),
                e.getMessage());
        } else {
            log.debug("sample {} hit {}", client, e.toString());
        }
    }

    private static Thread daemon(String client, Runnable body) {
        Thread t = new Thread(body, THREAD_PREFIX + client);
        t.setDaemon(true);
        return t;
    }

    /** Records the broker acknowledged to the producer. */
    public long recordsSent() {
        return sent.get();
    }

    /** Records the consumer received. */
    public long recordsConsumed() {
        return consumed.get();
    }

    /** Stops both clients; returns within a few seconds even when the proxy or the cluster is gone. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopping.countDown();
        consumer.wakeup();
        // Closing from here also fails a send blocked on metadata, so the producer thread ends too.
        try {
            producer.close(CLOSE_TIMEOUT);
        } catch (RuntimeException e) {
            reportOnce(PRODUCER_CLIENT_ID, e);
        }
        join(producerThread);
        join(consumerThread);
    }

    private static void join(Thread t) {
        try {
            t.join(CLOSE_TIMEOUT.multipliedBy(2).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            log.warn("{} did not stop within {}; it is a daemon and will not hold the JVM", t.getName(), CLOSE_TIMEOUT.multipliedBy(2));
        }
    }
}
