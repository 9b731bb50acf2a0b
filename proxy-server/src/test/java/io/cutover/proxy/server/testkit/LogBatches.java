package io.cutover.proxy.server.testkit;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * The record batches of one partition as a broker wrote them (offsets, producer id, epoch,
 * sequences), read from its log segments: what a test prints when sequences went wrong.
 */
public final class LogBatches {
    private LogBatches() {
    }

    public static List<String> of(EmbeddedKafkaCluster cluster, String topic, int partition) {
        List<String> out = new ArrayList<>();
        cluster.kit().brokers().values().forEach(b -> {
            for (String dir : b.config().logDirs()) {
                File[] segments = new File(dir, topic + "-" + partition).listFiles((d, name) -> name.endsWith(".log"));
                if (segments == null) {
                    continue;
                }
                java.util.Arrays.sort(segments);
                for (File segment : segments) {
                    try (FileRecords records = FileRecords.open(segment, false)) {
                        for (RecordBatch batch : records.batches()) {
                            out.add(cluster.name() + " broker " + b.config().nodeId() + " " + topic + "-" + partition + " offsets "
                                + batch.baseOffset() + ".." + batch.lastOffset() + " producer " + batch.producerId() + " epoch "
                                + batch.producerEpoch() + " seq " + batch.baseSequence() + ".." + batch.lastSequence()
                                + (batch.isControlBatch() ? " control" : ""));
                        }
                    } catch (IOException e) {
                        out.add(segment + ": " + e);
                    }
                }
            }
        });
        return out;
    }
}
