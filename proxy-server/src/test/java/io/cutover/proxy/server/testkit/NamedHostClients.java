package io.cutover.proxy.server.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * Kafka's Java Admin, Producer and Consumer in a child JVM whose host names resolve from a hosts
 * file of the test's ({@code -Djdk.net.hosts.file}, read once at JVM start), so that names the proxy
 * advertises (listener.tls.sni) lead to 127.0.0.1 without touching the machine's /etc/hosts. The
 * clients use TLS with host name verification on (Kafka's default), trusting the test CA.
 *
 * <p>The child creates a topic with one partition on each broker it is given, writes records to every
 * partition, reads them back in a consumer group, and prints what it saw, one fact a line, for the
 * test to check: {@code NODE id host:port}, {@code LEADER partition host:port}, {@code PRODUCED n},
 * {@code CONSUMED n}, then {@code DONE}; or {@code FAILED ...} and exit code 1.
 */
public final class NamedHostClients implements AutoCloseable {
    private final ChildJvm child;

    private NamedHostClients(ChildJvm child) {
        this.child = child;
    }

    /**
     * Starts the child. {@code names} all resolve to 127.0.0.1 in it (localhost too); nothing else
     * resolves.
     */
    public static NamedHostClients start(Path dir, Collection<String> names, String bootstrap, Path caPem, String topic,
                                         List<Integer> brokerIds, int records) {
        Path hosts = dir.resolve("hosts");
        try {
            Files.writeString(hosts, "127.0.0.1 localhost " + String.join(" ", names) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> args = List.of(bootstrap, caPem.toString(), topic, String.join(",", brokerIds.stream().map(String::valueOf).toList()),
            String.valueOf(records));
        return new NamedHostClients(ChildJvm.start(NamedHostClients.class.getName(), args, Map.of("jdk.net.hosts.file", hosts.toString()),
            "256m"));
    }

    /** The first line the child printed that starts with {@code prefix}, waiting for it; fails if the child fails first. */
    public String line(String prefix, Duration timeout) {
        String found = child.awaitLine(l -> l.startsWith(prefix) || l.startsWith("FAILED"), timeout);
        if (found.startsWith("FAILED") && !prefix.startsWith("FAILED")) {
            throw new AssertionError("the clients failed: " + found + "\n" + child.tail(60));
        }
        return found;
    }

    /** What the child printed last, for failure messages. */
    public String tail() {
        return child.tail(60);
    }

    @Override
    public void close() {
        if (child.alive()) {
            child.kill();
        }
    }

    public static void main(String[] args) {
        try {
            run(args[0], args[1], args[2], args[3].split(","), Integer.parseInt(args[4]));
            System.out.println("DONE");
            System.out.flush();
            System.exit(0);
        } catch (Exception | AssertionError e) {
            System.out.println("FAILED " + e);
            e.printStackTrace(System.out);
            System.out.flush();
            System.exit(1);
        }
    }

    private static TopicDescription describe(Admin admin, String topic) {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(60, TimeUnit.SECONDS).get(topic);
        } catch (Exception e) {
            throw new IllegalStateException("cannot describe " + topic, e);
        }
    }

    private static void run(String bootstrap, String caPem, String topic, String[] brokerIds, int records) throws Exception {
        Map<String, Object> tls = new HashMap<>(Map.of("security.protocol", "SSL", "ssl.truststore.type", "PEM",
            "ssl.truststore.location", caPem));
        try (Admin admin = Clients.admin(bootstrap, tls)) {
            for (Node n : admin.describeCluster().nodes().get(60, TimeUnit.SECONDS)) {
                System.out.println("NODE " + n.id() + " " + n.host() + ":" + n.port());
            }
            Map<Integer, List<Integer>> assignment = new HashMap<>();
            for (int p = 0; p < brokerIds.length; p++) {
                assignment.put(p, List.of(Integer.parseInt(brokerIds[p])));
            }
            admin.createTopics(List.of(new NewTopic(topic, assignment))).all().get(60, TimeUnit.SECONDS);
            TopicDescription described = Await.until("every partition of " + topic + " has a leader", Duration.ofSeconds(60),
                () -> describe(admin, topic), d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
            for (TopicPartitionInfo p : described.partitions()) {
                System.out.println("LEADER " + p.partition() + " " + p.leader().host() + ":" + p.leader().port());
            }
        }
        try (KafkaProducer<String, String> producer = Clients.producer(bootstrap, tls)) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            for (int i = 0; i < records; i++) {
                acks.add(producer.send(new ProducerRecord<>(topic, i % brokerIds.length, "k" + i, "v" + i)));
            }
            for (Future<RecordMetadata> ack : acks) {
                ack.get(60, TimeUnit.SECONDS);
            }
            System.out.println("PRODUCED " + records);
        }
        try (KafkaConsumer<String, String> consumer = Clients.consumer(bootstrap, topic + "-group", tls)) {
            consumer.subscribe(List.of(topic));
            Set<String> seen = new java.util.HashSet<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (seen.size() < records && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value().equals("v" + r.key().substring(1)) && r.partition() == Integer.parseInt(r.key().substring(1)) % brokerIds.length) {
                        seen.add(r.key());
                    }
                }
            }
            consumer.commitSync(Duration.ofSeconds(30));
            System.out.println("CONSUMED " + seen.size());
        }
    }
}
