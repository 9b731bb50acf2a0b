package io.cutover.proxy.server.route;

import io.cutover.proxy.server.concurrent.DaemonScheduler;
import io.cutover.proxy.core.virtual.TopicIds;
import io.cutover.proxy.server.upstream.ClusterLink;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every cluster's real topic ids known, not only those of topics some client asked about on
 * that cluster: a group coordinated on one cluster names, by id, topics that route to the other
 * (KIP-848 assignments, OffsetCommit v10). Reads all topics periodically, and soon after any
 * translation misses, at most once a second per cluster.
 */
public final class TopicIdRefresher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TopicIdRefresher.class);
    private static final long MIN_GAP_MILLIS = 1000;
    private static final short METADATA_VERSION = 12;

    private final Map<String, ClusterLink> links;
    private final TopicIds ids;
    private final Duration interval;
    private final ScheduledExecutorService scheduler;
    private final Map<String, AtomicBoolean> scheduled = new ConcurrentHashMap<>();

    public TopicIdRefresher(Map<String, ClusterLink> links, TopicIds ids, Duration interval) {
        this.links = links;
        this.ids = ids;
        this.interval = interval;
        this.scheduler = DaemonScheduler.named("cutover-topic-ids");
        links.keySet().forEach(c -> scheduled.put(c, new AtomicBoolean()));
    }

    public void start() {
        ids.onMiss(this::refreshSoon);
        for (String cluster : links.keySet()) {
            scheduler.scheduleWithFixedDelay(() -> refresh(cluster), 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void refreshSoon(String cluster) {
        AtomicBoolean pending = scheduled.get(cluster);
        if (pending != null && pending.compareAndSet(false, true)) {
            scheduler.schedule(() -> {
                pending.set(false);
                refresh(cluster);
            }, MIN_GAP_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void refresh(String cluster) {
        links.get(cluster).<MetadataResponseData>send(ApiKeys.METADATA, METADATA_VERSION,
                new MetadataRequestData().setTopics(null).setAllowAutoTopicCreation(false))
            .whenComplete((r, e) -> {
                if (e != null) {
                    LOG.debug("cannot read topic ids of cluster {}: {}", cluster, e.getMessage());
                    return;
                }
                r.topics().forEach(t -> {
                    if (t.errorCode() == Errors.NONE.code()) {
                        ids.learn(cluster, t.name(), t.topicId());
                    }
                });
            });
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
