package io.cutover.proxy.core.routing.data;

import io.cutover.proxy.core.virtual.ProducerIdMapper;
import io.cutover.proxy.core.virtual.RecordBatchHeaders;
import io.cutover.proxy.core.virtual.TransactionalProducers;
import java.nio.ByteBuffer;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * Puts real producer ids into the idempotent batches of one partition, in place: the records of a
 * decoded request are a view of the request frame, so the frame itself carries the change.
 * Non-idempotent batches (no producer id) are left alone; transactional ones get the real id of
 * their transactional producer on this cluster. A batch whose mapping is the identity (a producer
 * writing to the cluster its id comes from) is not touched at all, CRC included.
 */
final class ProducerBatches {
    private ProducerBatches() {
    }

    /** @return false when a batch needs a real producer id that is not at hand yet. */
    static boolean mapToCluster(PartitionProduceData partition, String topic, RequestScope scope) {
        if (!(partition.records() instanceof MemoryRecords records)) {
            return true;
        }
        ByteBuffer buffer = records.buffer();
        boolean[] ok = {true};
        RecordBatchHeaders.forEachBatch(buffer, (b, start, size) -> {
            long virtualId = RecordBatchHeaders.producerId(b, start);
            if (virtualId < 0 || !ok[0]) {
                return;
            }
            short epoch = RecordBatchHeaders.producerEpoch(b, start);
            if (RecordBatchHeaders.isTransactional(b, start)) {
                if (scope.transactional() == null || !scope.transactional().isTransactional(virtualId)) {
                    return; // a producer the proxy did not initialise: its ids are real already
                }
                TransactionalProducers.Real real = scope.transactional().real(virtualId, scope.cluster());
                if (real == null) {
                    scope.adopter().adopt(virtualId, scope.cluster());
                    ok[0] = false;
                    return;
                }
                if (real.producerId() != virtualId || real.epochOffset() != 0) {
                    RecordBatchHeaders.setProducer(b, start, size, real.producerId(), real.realEpoch(epoch));
                }
                return;
            }
            long real = scope.producers().realFor(virtualId, scope.cluster(), topic, scope.realIds());
            if (real == ProducerIdMapper.NOT_YET) {
                ok[0] = false;
                return;
            }
            if (real != virtualId) {
                // The epoch stays the client's: see ProducerIdMapper.
                RecordBatchHeaders.setProducer(b, start, size, real, epoch);
            }
        });
        return ok[0];
    }
}
