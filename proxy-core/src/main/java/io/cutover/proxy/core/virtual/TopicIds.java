package io.cutover.proxy.core.virtual;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.Uuid;

/**
 * One stable topic id per topic name, whichever cluster serves the topic (KIP-516 ids differ between
 * clusters, and a client that sees a topic's id change treats the topic as re-created).
 *
 * <p>The virtual id is derived from the name alone, so every proxy, before and after a restart,
 * gives the same answer without shared state. The cost: a topic deleted and re-created under the
 * same name keeps its virtual id. Real ids are learnt per cluster from the metadata the proxy reads,
 * which bounds these maps by the topics that exist; names come from brokers, never from clients.
 */
public final class TopicIds {
    private static final String DOMAIN = "cutover-proxy/topic-id/";

    private final Map<String, Uuid> virtualByName = new ConcurrentHashMap<>();
    private final Map<Uuid, String> nameByVirtual = new ConcurrentHashMap<>();
    private final Map<String, ClusterTopicIds> clusters = new ConcurrentHashMap<>();
    private volatile java.util.function.Consumer<String> onMiss = cluster -> { };

    /** Called with the cluster whenever a translation finds no id, so the ids can be learnt again. */
    public void onMiss(java.util.function.Consumer<String> listener) {
        this.onMiss = listener;
    }

    /** Real ids of one cluster, both ways. */
    private static final class ClusterTopicIds {
        final Map<String, Uuid> realByName = new ConcurrentHashMap<>();
        final Map<Uuid, String> nameByReal = new ConcurrentHashMap<>();
    }

    /** The virtual id clients see for {@code topic}. */
    public Uuid virtualId(String topic) {
        Uuid id = virtualByName.get(topic);
        if (id == null) {
            id = derive(topic);
            virtualByName.put(topic, id);
            nameByVirtual.put(id, topic);
        }
        return id;
    }

    /** The topic a virtual id stands for, or null when the proxy never issued it. */
    public String nameOfVirtual(Uuid virtual) {
        return nameByVirtual.get(virtual);
    }

    /** Records a topic's real id on a cluster, as read from that cluster's metadata. */
    public void learn(String cluster, String topic, Uuid real) {
        if (topic == null || real == null || Uuid.ZERO_UUID.equals(real)) {
            return;
        }
        ClusterTopicIds ids = clusters.computeIfAbsent(cluster, c -> new ClusterTopicIds());
        Uuid old = ids.realByName.put(topic, real);
        if (old != null && !old.equals(real)) {
            ids.nameByReal.remove(old); // the topic was re-created on that cluster
        }
        ids.nameByReal.put(real, topic);
        virtualId(topic);
    }

    /** The topic's real id on {@code cluster}, or null when not known yet. */
    public Uuid realId(String cluster, String topic) {
        ClusterTopicIds ids = clusters.get(cluster);
        return ids == null ? null : ids.realByName.get(topic);
    }

    /** The topic a real id of {@code cluster} stands for, or null. */
    public String nameOfReal(String cluster, Uuid real) {
        ClusterTopicIds ids = clusters.get(cluster);
        return ids == null ? null : ids.nameByReal.get(real);
    }

    /** The topic an id a client used on {@code cluster} stands for: virtual first, then real; or null. */
    public String nameOf(String cluster, Uuid id) {
        String name = nameOfVirtual(id);
        return name != null ? name : nameOfReal(cluster, id);
    }

    /** The virtual id for a real id of {@code cluster}, or null when the topic is not known. */
    public Uuid virtualOfReal(String cluster, Uuid real) {
        String name = nameOfReal(cluster, real);
        if (name == null) {
            onMiss.accept(cluster);
            return null;
        }
        return virtualId(name);
    }

    /** The real id on {@code cluster} for a virtual id, or null when either is not known. */
    public Uuid realOfVirtual(String cluster, Uuid virtual) {
        String name = nameOfVirtual(virtual);
        Uuid real = name == null ? null : realId(cluster, name);
        if (real == null) {
            onMiss.accept(cluster);
        }
        return real;
    }

    /**
     * The virtual id any Cutover Proxy gives {@code topic}: derived from the name alone, so a tool
     * reading a capture the proxy took can tell the topic from the id without the proxy.
     */
    public static Uuid virtualIdOf(String topic) {
        return derive(topic);
    }

    static Uuid derive(String topic) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest((DOMAIN + topic).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
        long msb = 0;
        long lsb = 0;
        for (int i = 0; i < 8; i++) {
            msb = (msb << 8) | (digest[i] & 0xff);
            lsb = (lsb << 8) | (digest[i + 8] & 0xff);
        }
        Uuid id = new Uuid(msb, lsb);
        // ZERO and ONE are reserved by Kafka; a 2^-128 chance, but cheap to rule out.
        if (id.equals(Uuid.ZERO_UUID) || id.equals(Uuid.ONE_UUID)) {
            return new Uuid(msb, lsb ^ 0x5a5a5a5a5a5a5a5aL);
        }
        return id;
    }
}
