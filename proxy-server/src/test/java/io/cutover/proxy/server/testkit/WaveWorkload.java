package io.cutover.proxy.server.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Continuous load through the proxy for wave tests: an idempotent producer (acks=all) writing
 * numbered records, and consumer groups reading them and committing after each poll. Records what
 * was acknowledged and what each group received, for the loss, duplicate and order checks.
 */
public final class WaveWorkload implements AutoCloseable {
    /** A record as acknowledged: value and partition. */
    public record Acked(String value, int partition) {
    }

    private final String bootstrap;
    private final String topic;
    private final Map<String, Object> login;
    private final List<Acked> acked = new CopyOnWriteArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile java.time.Instant failedAt;
    private final AtomicReference<Throwable> consumerFailure = new AtomicReference<>();
    private final Map<String, List<String>> consumed = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> pollErrors = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failedSends = new AtomicLong();
    private volatile boolean producing = true;
    private volatile boolean consuming = true;
    private volatile boolean paused;

    public WaveWorkload(String bootstrap, String topic) {
        this(bootstrap, topic, Map.of());
    }

    /** {@code login}: settings every client of the workload adds (a SASL login to the proxy, say). */
    public WaveWorkload(String bootstrap, String topic, Map<String, Object> login) {
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.login = Map.copyOf(login);
    }

    private Map<String, Object> with(Map<String, Object> settings) {
        Map<String, Object> all = new java.util.HashMap<>(login);
        all.putAll(settings);
        return all;
    }

    /** Starts the producer: one record every {@code everyMillis} ms (its pacing, not synchronisation). */
    public WaveWorkload produce(String clientId, long everyMillis) {
        Thread t = new Thread(() -> {
            try (KafkaProducer<String, String> p = Clients.producer(bootstrap, with(Map.of("acks", "all", "enable.idempotence", "true",
                "client.id", clientId, "linger.ms", 0, "delivery.timeout.ms", 120_000)))) {
                long i = 0;
                while (producing) {
                    if (paused) {
                        p.flush();
                        Thread.sleep(everyMillis); // pacing while paused, not synchronisation
                        continue;
                    }
                    String value = clientId + "-" + i++;
                    sent.incrementAndGet();
                    p.send(new ProducerRecord<>(topic, "k" + (i % 11), value), (md, e) -> {
                        if (e != null) {
                            failedSends.incrementAndGet();
                            fail(e);
                        } else {
                            acked.add(new Acked(value, md.partition()));
                        }
                    });
                    Thread.sleep(everyMillis);
                }
                p.flush();
            } catch (Throwable e) {
                fail(e);
            }
        }, "wave-producer-" + clientId);
        threads.add(t);
        t.start();
        return this;
    }

    /** Starts a consumer in {@code group}, with the classic or the KIP-848 ("consumer") protocol. */
    public WaveWorkload consume(String group, String protocol) {
        List<String> into = Collections.synchronizedList(new ArrayList<>());
        consumed.put(group, into);
        Thread t = new Thread(() -> {
            try (KafkaConsumer<String, String> c = Clients.consumer(bootstrap, group, with(Map.of("group.protocol", protocol,
                "enable.auto.commit", "false", "client.id", group + "-member", "max.poll.records", 50)))) {
                c.subscribe(List.of(topic));
                while (consuming) {
                    org.apache.kafka.clients.consumer.ConsumerRecords<String, String> records;
                    try {
                        records = c.poll(Duration.ofMillis(100));
                    } catch (org.apache.kafka.common.errors.UnknownMemberIdException
                             | org.apache.kafka.common.errors.FencedMemberEpochException
                             | org.apache.kafka.common.errors.StaleMemberEpochException e) {
                        // A KIP-848 member whose group moved can learn from poll, not only from a commit,
                        // that its membership is gone (README "Soak", known issue). An application that
                        // polls again rejoins; counted, so the tests report it rather than hide it.
                        pollErrors.computeIfAbsent(group, g -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
                        continue;
                    }
                    for (ConsumerRecord<String, String> r : records) {
                        into.add(r.partition() + ":" + r.value());
                    }
                    if (!records.isEmpty()) {
                        try {
                            c.commitSync(Duration.ofSeconds(10));
                        } catch (org.apache.kafka.clients.consumer.CommitFailedException
                                 | org.apache.kafka.common.errors.RebalanceInProgressException
                                 | org.apache.kafka.common.errors.UnknownMemberIdException
                                 | org.apache.kafka.common.errors.FencedMemberEpochException
                                 | org.apache.kafka.common.errors.StaleMemberEpochException
                                 | org.apache.kafka.common.errors.TimeoutException e) {
                            // Moving groups lose their membership mid-commit (a KIP-848 member learns it as
                            // an unknown member id or a fenced or stale epoch); the records are read again.
                        }
                    }
                }
            } catch (Throwable e) {
                consumerFailure.compareAndSet(null, e);
                fail(e);
            }
        }, "wave-consumer-" + group);
        threads.add(t);
        t.start();
        return this;
    }

    /** How often {@code group}'s poll threw because its membership was gone (the consumer polled on). */
    public int pollErrors(String group) {
        java.util.concurrent.atomic.AtomicInteger n = pollErrors.get(group);
        return n == null ? 0 : n.get();
    }

    public int ackedCount() {
        return acked.size();
    }

    public List<Acked> acked() {
        return List.copyOf(acked);
    }

    public List<String> consumed(String group) {
        synchronized (consumed.get(group)) {
            return List.copyOf(consumed.get(group));
        }
    }

    /** True once {@code group} received every acknowledged record at least once. */
    public boolean consumedAll(String group) {
        Set<String> got = new java.util.HashSet<>(consumed(group));
        for (Acked a : acked) {
            if (!got.contains(a.partition() + ":" + a.value())) {
                return false;
            }
        }
        return true;
    }

    public Throwable failure() {
        return failure.get();
    }

    /** The first failure of a consumer of this workload (also in {@link #failure}), or null. */
    public Throwable consumerFailure() {
        return consumerFailure.get();
    }

    /** When the first failure was seen, so a test can say which of its steps it followed; null without one. */
    public java.time.Instant failedAt() {
        return failedAt;
    }

    private void fail(Throwable e) {
        if (failure.compareAndSet(null, e)) {
            failedAt = java.time.Instant.now();
        }
    }

    /**
     * Stops sending new records until {@link #resumeProducing}, and returns once everything sent so
     * far is acknowledged: before a forced rollback, so that the groups can read all of it first.
     */
    public void pauseProducing() {
        paused = true;
        Await.until("every record sent is acknowledged", Duration.ofSeconds(120),
            () -> acked.size() + failedSends.get() >= sent.get());
    }

    public void resumeProducing() {
        paused = false;
    }

    public void stopProducing() throws InterruptedException {
        producing = false;
        for (Thread t : threads) {
            if (t.getName().startsWith("wave-producer")) {
                t.join(60_000);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        producing = false;
        consuming = false;
        for (Thread t : threads) {
            t.join(30_000);
        }
    }
}
