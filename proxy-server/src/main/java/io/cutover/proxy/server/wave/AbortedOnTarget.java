package io.cutover.proxy.server.wave;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.wave.GateResult;
import io.cutover.proxy.server.config.ProxyConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The {@code aborted-not-replicated} gate: no record that an aborted source transaction wrote is
 * readable on the target. MirrorMaker 2's source consumer reads read_uncommitted unless configured
 * otherwise, and writes what it reads as plain records, so every consumer on the target, read_committed
 * or not, would read what the source's transactions aborted: an exactly-once application's output
 * twice, or records its producer gave up. The gate looks at the tail of each of the wave's source
 * partitions (up to {@link #MAX_PARTITIONS}), finds the records of aborted transactions there, and
 * asks whether the target holds a readable copy of the oldest and the newest. A replicator that
 * keeps transactions whole (cluster linking copies the markers too) passes, since read_committed
 * hides its copies.
 */
final class AbortedOnTarget {
    static final String GATE = "aborted-not-replicated";
    private static final String TITLE = "No record a transaction aborted on the source is readable on the target";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How far back each source partition is looked at. */
    static final long WINDOW = 512;
    /** How far back the target is searched for a copy: MM2's copies of the source's tail lie at the target's tail. */
    private static final long TARGET_WINDOW = 4 * WINDOW;
    /** Partitions looked at per check: one copy is enough to show the replicator's setting, and each costs two reads. */
    static final int MAX_PARTITIONS = 64;

    private final ClusterAdmins admins;

    AbortedOnTarget(ClusterAdmins admins) {
        this.admins = admins;
    }

    GateResult check(List<TopicPartition> partitions) {
        ObjectNode evidence = JSON.createObjectNode();
        List<String> warnings = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<TopicPartition> looked = partitions.subList(0, Math.min(MAX_PARTITIONS, partitions.size()));
        evidence.put("window", WINDOW);
        evidence.put("partitionsLookedAt", looked.size());
        evidence.put("partitionsNotLookedAt", partitions.size() - looked.size());
        ArrayNode rows = evidence.putArray("partitions");
        long abortedSeen = 0;
        if (!looked.isEmpty()) {
            try {
                Map<TopicPartition, Long> sourceEnds = admins.endOffsets(ProxyConfig.SOURCE, looked);
                Map<TopicPartition, Long> targetEnds = admins.endOffsets(ProxyConfig.TARGET, looked);
                PartitionTails tails = admins.tails();
                for (TopicPartition tp : looked) {
                    long sourceEnd = sourceEnds.getOrDefault(tp, 0L);
                    Long targetEnd = targetEnds.get(tp);
                    List<ConsumerRecord<byte[], byte[]>> aborted = sourceEnd == 0 ? List.of()
                        : tails.abortedRecords(ProxyConfig.SOURCE, tp, sourceEnd, WINDOW);
                    if (aborted.isEmpty()) {
                        continue;
                    }
                    abortedSeen += aborted.size();
                    ConsumerRecord<byte[], byte[]> copied = null;
                    // Nothing on the target yet: nothing copied (replication-caught-up tells how far behind it is).
                    if (targetEnd != null && targetEnd > 0) {
                        for (ConsumerRecord<byte[], byte[]> r : List.of(aborted.get(0), aborted.get(aborted.size() - 1))) {
                            if (copied == null && tails.holdsCopyOf(ProxyConfig.TARGET, true, tp, targetEnd, r, TARGET_WINDOW)) {
                                copied = r;
                            }
                        }
                    }
                    ObjectNode row = rows.addObject();
                    row.put("partition", tp.toString());
                    row.put("abortedRecords", aborted.size());
                    row.put("copiedReadable", copied != null);
                    if (copied != null) {
                        row.put("sourceOffset", copied.offset());
                        problems.add(tp + ": the target holds a readable copy of the record at source offset " + copied.offset()
                            + ", written by a transaction the source aborted");
                    }
                }
            } catch (ClusterAdmins.ClusterCallException e) {
                warnings.add("cannot read the partitions' tails (" + e.getMessage() + "): not checked");
            }
        }
        evidence.put("abortedRecordsSeen", abortedSeen);
        if (abortedSeen == 0 && warnings.isEmpty()) {
            evidence.put("note", "no aborted transaction among the last " + WINDOW + " offsets of the partitions looked at: nothing to tell");
        }
        evidence.set("problems", JSON.valueToTree(problems));
        return new GateResult(GATE, TITLE, problems.isEmpty(), evidence, warnings,
            "The replicator copies what aborted transactions wrote as ordinary records. For MirrorMaker 2 set "
                + "'<source alias>.consumer.isolation.level = read_committed' (it reads read_uncommitted by default) and restart it. "
                + "Copies already made stay on the target and its consumers will read them; this gate looks at the last " + WINDOW
                + " offsets of each partition, so it passes again once newer records push them out, or once the target's topic "
                + "is recreated and mirrored again.");
    }
}
