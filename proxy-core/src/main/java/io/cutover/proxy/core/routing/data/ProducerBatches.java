package io.cutover.proxy.core.routing.data;

import io.cutover.proxy.core.virtual.FirstSequences;
import io.cutover.proxy.core.virtual.ProducerIdMapper;
import io.cutover.proxy.core.virtual.RecordBatchHeaders;
import io.cutover.proxy.core.virtual.TransactionalProducers;
import java.nio.ByteBuffer;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.protocol.Errors;
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

    /**
     * @return {@link Errors#NONE} when the partition's batches can go on; NOT_ENOUGH_REPLICAS when a
     * batch needs a real producer id that is not at hand yet, or when a switch moved the partition
     * here and an older batch of the producer has to come first; DUPLICATE_SEQUENCE_NUMBER when the
     * batch is on the cluster left already (see {@link FirstSequences}). Each is retried, or counted
     * done, by the client.
     */
    static Errors mapToCluster(PartitionProduceData partition, String topic, RequestScope scope) {
        if (!(partition.records() instanceof MemoryRecords records)) {
            return Errors.NONE;
        }
        ByteBuffer buffer = records.buffer();
        Errors[] outcome = {Errors.NONE};
        RecordBatchHeaders.forEachBatch(buffer, (b, start, size) -> {
            long virtualId = RecordBatchHeaders.producerId(b, start);
            if (virtualId < 0 || outcome[0] != Errors.NONE) {
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
                    outcome[0] = Errors.NOT_ENOUGH_REPLICAS;
                    return;
                }
                if (real.producerId() != virtualId || real.epochOffset() != 0) {
                    RecordBatchHeaders.setProducer(b, start, size, real.producerId(), real.realEpoch(epoch));
                }
                return;
            }
            long real = scope.producers().realFor(virtualId, scope.cluster(), topic, scope.realIds());
            if (real == ProducerIdMapper.NOT_YET) {
                outcome[0] = Errors.NOT_ENOUGH_REPLICAS;
                return;
            }
            FirstSequences waiting = scope.producers().firstSequences();
            // Only a producer a switch left waiting costs a lookup and a clock read.
            FirstSequences.Verdict verdict = !waiting.covers(virtualId) ? FirstSequences.Verdict.PASS
                : waiting.check(virtualId, topic, partition.index(), scope.cluster(), epoch, RecordBatchHeaders.baseSequence(b, start),
                    RecordBatchHeaders.recordCount(b, start), System.currentTimeMillis());
            if (verdict != FirstSequences.Verdict.PASS) {
                // Not OUT_OF_ORDER_SEQUENCE_NUMBER: for the batch after its last acknowledged one, the Java
                // producer takes that as a gap, bumps its epoch and numbers its in-flight batches again from
                // 0, so a copy of one already written elsewhere in the fleet would be written twice. A plain
                // retriable error makes it send the same batch again, for the broker to order or drop.
                outcome[0] = verdict == FirstSequences.Verdict.DUPLICATE ? Errors.DUPLICATE_SEQUENCE_NUMBER : Errors.NOT_ENOUGH_REPLICAS;
                return;
            }
            if (real != virtualId) {
                // The epoch stays the client's: see ProducerIdMapper.
                RecordBatchHeaders.setProducer(b, start, size, real, epoch);
            }
        });
        return outcome[0];
    }
}
