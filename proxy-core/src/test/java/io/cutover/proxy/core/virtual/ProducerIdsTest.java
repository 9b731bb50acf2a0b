package io.cutover.proxy.core.virtual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

class ProducerIdsTest {
    private long next = 1000;

    private ProducerIdMapper.RealProducer fresh(String cluster) {
        return new ProducerIdMapper.RealProducer(next++, (short) 0);
    }

    @Test
    void aTopicGetsAFreshRealIdWhenItComesBackToACluster() {
        ProducerIdMapper m = new ProducerIdMapper(100);
        long v = m.newProducer();
        ProducerIdMapper.RealProducer onSource = m.realFor(v, (short) 0, "source", "a", this::fresh);
        assertSame(onSource, m.realFor(v, (short) 0, "source", "b", this::fresh), "topics new to a cluster share its current id");
        ProducerIdMapper.RealProducer onTarget = m.realFor(v, (short) 0, "target", "a", this::fresh);
        assertNotEquals(onSource, onTarget);
        ProducerIdMapper.RealProducer back = m.realFor(v, (short) 0, "source", "a", this::fresh);
        assertNotEquals(onSource, back, "source remembers a's last sequence under the old id");
        assertSame(onSource, m.realFor(v, (short) 0, "source", "b", this::fresh), "b never left: it keeps its id");
    }

    @Test
    void noRealIdAtHandMeansRetryLater() {
        ProducerIdMapper m = new ProducerIdMapper(100);
        assertNull(m.realFor(m.newProducer(), (short) 0, "source", "a", cluster -> null));
    }

    @Test
    void anEpochBumpStartsAfresh() {
        ProducerIdMapper m = new ProducerIdMapper(100);
        long v = m.newProducer();
        ProducerIdMapper.RealProducer first = m.realFor(v, (short) 0, "source", "a", this::fresh);
        assertEquals(1, m.bump(v, (short) 0));
        assertNotEquals(first, m.realFor(v, (short) 1, "source", "a", this::fresh));
    }

    @Test
    void theMapperIsBounded() {
        ProducerIdMapper m = new ProducerIdMapper(50);
        for (int i = 0; i < 500; i++) {
            m.newProducer();
        }
        assertEquals(true, m.size() <= 50);
    }

    @Test
    void rewritingTheProducerKeepsTheBatchValid() {
        MemoryRecords records = MemoryRecords.withIdempotentRecords((byte) 2, 0L, Compression.NONE, 77L, (short) 3, 10, 0,
            new SimpleRecord("a".getBytes()), new SimpleRecord("b".getBytes()));
        ByteBuffer buffer = records.buffer();
        Deque<Integer> starts = new ArrayDeque<>();
        RecordBatchHeaders.forEachBatch(buffer, (b, start, size) -> {
            starts.add(start);
            assertEquals(77L, RecordBatchHeaders.producerId(b, start));
            RecordBatchHeaders.setProducer(b, start, size, 123456789L, (short) 9);
        });
        assertEquals(1, starts.size());
        MutableRecordBatch batch = MemoryRecords.readableRecords(buffer).batches().iterator().next();
        batch.ensureValid();
        assertEquals(123456789L, batch.producerId());
        assertEquals(9, batch.producerEpoch());
        assertEquals(10, batch.baseSequence(), "the sequence is the client's, untouched");
        assertEquals(TimestampType.CREATE_TIME, batch.timestampType());
    }

    @Test
    void transactionalEpochsKeepTheirOffsetAcrossClusters() {
        TransactionalProducers tp = new TransactionalProducers(100, new ProducerIdMapper(100));
        long[] v = tp.initialized("txn-1", 60_000, "source", 5L, (short) 4);
        assertEquals(4, v[1], "the first virtual epoch is the real one");
        assertEquals((short) 5, tp.ended(v[0], "source", 5L, (short) 5), "a transaction version 2 bump passes through");
        tp.adopted(v[0], "target", 900L, (short) 0);
        TransactionalProducers.Real onTarget = tp.real(v[0], "target");
        assertEquals(900L, onTarget.producerId());
        assertEquals(0, onTarget.realEpoch((short) 5));
        assertNull(tp.real(v[0], "source"), "the id lives on one cluster at a time");
        assertEquals((short) 6, tp.ended(v[0], "target", 900L, (short) 1));
    }
}
