package io.cutover.proxy.core.virtual;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

class ProducerIdsTest {
    private static final String SOURCE = "source";
    private static final String TARGET = "target";

    private final AtomicLong clock = new AtomicLong(1_000_000L);
    private long next = 1000;

    /** A store that keeps what it is given in memory, and can be made to fail. */
    private static final class RecordingStore implements ProducerIdStore {
        final List<ProducerIdRecord> saved = new ArrayList<>();
        final List<String> forgotten = new ArrayList<>();
        boolean failing;
        boolean behind;
        int caughtUp;

        @Override
        public boolean awaitLatest() {
            caughtUp++;
            return !behind;
        }

        @Override
        public List<ProducerIdRecord> load() {
            return List.copyOf(saved);
        }

        @Override
        public void forget(long producerId, java.util.Collection<String> topics) {
            forgotten.add(producerId + " " + topics);
        }

        @Override
        public void save(ProducerIdRecord record) throws IOException {
            if (failing) {
                throw new IOException("disk full");
            }
            saved.add(record);
        }
    }

    /** A fleet's state topic, reduced to its order: instances append to it and read it in turn. */
    private static final class SharedLog {
        final List<ProducerIdRecord> records = new ArrayList<>();
    }

    /** One instance's view of a {@link SharedLog}: it learns placements only by reading them back. */
    private static final class SharedStore implements ProducerIdStore {
        final SharedLog log;
        ProducerIdMapper mapper;
        int read;
        /** Reads to make as if nothing new were there yet (another instance's write not yet visible). */
        int blindReads;

        SharedStore(SharedLog log) {
            this.log = log;
        }

        ProducerIdMapper start(AtomicLong clock) {
            mapper = new ProducerIdMapper(SOURCE, this, load(), clock::get);
            read = log.records.size();
            return mapper;
        }

        @Override
        public boolean shared() {
            return true;
        }

        @Override
        public boolean awaitLatest() {
            if (blindReads > 0) {
                blindReads--;
                return true;
            }
            while (read < log.records.size()) {
                mapper.adopt(log.records.get(read++));
            }
            return true;
        }

        @Override
        public List<ProducerIdRecord> load() {
            return List.copyOf(log.records);
        }

        @Override
        public void save(ProducerIdRecord record) {
            log.records.add(record);
        }
    }

    private ProducerIdMapper.RealProducer fresh(String cluster) {
        return new ProducerIdMapper.RealProducer(next++, (short) 0);
    }

    private static ProducerIdMapper.RealProducer none(String cluster) {
        throw new AssertionError("no new real id may be needed here (asked for one on " + cluster + ")");
    }

    private ProducerIdMapper mapper(RecordingStore store) {
        return new ProducerIdMapper(SOURCE, store, store.load(), clock::get);
    }

    @Test
    void producerIdsAClientMakesUpCannotGrowTheMappingWithoutBound() {
        RecordingStore store = new RecordingStore();
        ProducerIdMapper m = new ProducerIdMapper(SOURCE, store, List.of(), clock::get, 3);
        for (long v = 1; v <= 3; v++) {
            assertTrue(m.realFor(v, TARGET, "a", this::fresh) >= 0);
        }
        assertEquals(ProducerIdMapper.NOT_YET, m.realFor(4L, TARGET, "a", ProducerIdsTest::none), "a fourth producer waits");
        assertEquals(3, m.size());
        assertEquals(3, store.saved.size(), "nothing saved for the refused one");
        assertTrue(m.realFor(2L, TARGET, "b", ProducerIdsTest::none) >= 0, "the producers held keep working");
        assertEquals(4L, m.realFor(4L, SOURCE, "a", ProducerIdsTest::none), "the source needs no mapping, full or not");
    }

    @Test
    void aProducerWritingToTheSourceGoesThroughUntouchedAndNothingIsSaved() {
        RecordingStore store = new RecordingStore();
        ProducerIdMapper m = mapper(store);
        assertEquals(42L, m.realFor(42L, SOURCE, "a", ProducerIdsTest::none), "the client's id is a real source id");
        assertEquals(List.of(), store.saved);
        assertEquals(0, m.size(), "nothing is held for a producer that only writes to the source");
    }

    @Test
    void aTopicGetsAFreshRealIdWhenItComesBackToACluster() {
        RecordingStore store = new RecordingStore();
        ProducerIdMapper m = mapper(store);
        long v = 42L;
        long onTarget = m.realFor(v, TARGET, "a", this::fresh);
        assertNotEquals(v, onTarget);
        assertEquals(onTarget, m.realFor(v, TARGET, "b", ProducerIdsTest::none), "topics new to a cluster share its current id");
        long back = m.realFor(v, SOURCE, "a", this::fresh);
        assertNotEquals(v, back, "the source remembers a's last sequence under the client's own id");
        assertNotEquals(onTarget, back);
        assertEquals(v, m.realFor(v, SOURCE, "c", ProducerIdsTest::none), "c never left the source: identity");
        long again = m.realFor(v, TARGET, "a", this::fresh);
        assertNotEquals(onTarget, again, "the target remembers a's last sequence under the first target id");
    }

    @Test
    void everyMappingIsSavedBeforeItIsUsedAndARestartedMapperGivesTheSameIds() {
        RecordingStore store = new RecordingStore();
        ProducerIdMapper m = mapper(store);
        long onTarget = m.realFor(42L, TARGET, "a", this::fresh);
        assertEquals(List.of(new ProducerIdRecord.Placement(42L, "a", TARGET, onTarget, clock.get(), 1)), store.saved);
        assertEquals(42L, m.realFor(42L, SOURCE, "b", ProducerIdsTest::none));
        m.realFor(42L, TARGET, "b", ProducerIdsTest::none);
        long back = m.realFor(42L, SOURCE, "b", this::fresh);
        int saved = store.saved.size();

        ProducerIdMapper restarted = mapper(store);
        assertEquals(onTarget, restarted.realFor(42L, TARGET, "a", ProducerIdsTest::none), "a retried batch meets the same real id");
        assertEquals(back, restarted.realFor(42L, SOURCE, "b", ProducerIdsTest::none));
        assertEquals(42L, restarted.realFor(42L, SOURCE, "c", ProducerIdsTest::none));
        assertEquals(onTarget, restarted.realFor(42L, TARGET, "c", ProducerIdsTest::none),
            "a topic new to the target may share any real id the producer has there");
        assertEquals(saved + 1, store.saved.size(), "only the new placement of c was saved");
    }

    @Test
    void noRealIdAtHandMeansRetryLater() {
        ProducerIdMapper m = mapper(new RecordingStore());
        assertEquals(ProducerIdMapper.NOT_YET, m.realFor(42L, TARGET, "a", cluster -> null));
    }

    @Test
    void aMappingThatCannotBeSavedIsNeverUsed() {
        RecordingStore store = new RecordingStore();
        ProducerIdMapper m = mapper(store);
        store.failing = true;
        assertEquals(ProducerIdMapper.NOT_YET, m.realFor(42L, TARGET, "a", this::fresh));
        store.failing = false;
        long used = m.realFor(42L, TARGET, "a", this::fresh);
        assertEquals(List.of(new ProducerIdRecord.Placement(42L, "a", TARGET, used, clock.get(), 1)), store.saved);
    }

    @Test
    void idleProducersAreForgottenAndActiveOnesAreMarkedSeen() {
        RecordingStore store = new RecordingStore();
        ProducerIdMapper m = mapper(store);
        m.realFor(1L, TARGET, "a", this::fresh);
        m.realFor(2L, TARGET, "a", this::fresh);
        clock.addAndGet(10_000);
        m.realFor(2L, TARGET, "a", ProducerIdsTest::none);
        int before = store.saved.size();
        assertEquals(1, m.maintain(5_000, clock.get() - 5_000), "producer 1 was idle past the bound");
        assertEquals(List.of("1 [a]"), store.forgotten, "its records may go from the store");
        assertEquals(1, m.size());
        assertEquals(new ProducerIdRecord.Seen(2L, clock.get()), store.saved.get(before), "producer 2 is still in use");
        assertEquals(0, m.maintain(5_000, clock.get() - 5_000));
        assertEquals(before + 1, store.saved.size(), "seen is written once per refresh interval");
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
        RecordingStore store = new RecordingStore();
        TransactionalProducers tp = new TransactionalProducers(SOURCE, store, List.of(), clock::get);
        long[] v = tp.initialized("txn-1", 60_000, SOURCE, 5L, (short) 4, ProducerIdsTest::none);
        assertArrayEquals(new long[] {5L, 4}, v, "initialised on the source: the real id and epoch are the client's");
        assertEquals(new TransactionalProducers.Real(5L, 0), tp.real(5L, SOURCE));
        assertEquals((short) 5, tp.ended(v[0], SOURCE, 5L, (short) 5), "a transaction version 2 bump passes through");
        assertTrue(tp.adopted(v[0], TARGET, 900L, (short) 0));
        TransactionalProducers.Real onTarget = tp.real(v[0], TARGET);
        assertEquals(900L, onTarget.producerId());
        assertEquals(0, onTarget.realEpoch((short) 5));
        assertNull(tp.real(v[0], SOURCE), "the id lives on one cluster at a time");
        assertEquals((short) 6, tp.ended(v[0], TARGET, 900L, (short) 1));
    }

    @Test
    void anAdoptionOnAClusterNeverFollowsOneThatCompletedThere() {
        TransactionalProducers tp = new TransactionalProducers(SOURCE, new RecordingStore(), List.of(), clock::get);
        long[] v = tp.initialized("txn-1", 60_000, SOURCE, 5L, (short) 4, ProducerIdsTest::none);
        assertNull(tp.beginAdoption(v[0], SOURCE), "a real id is known there: nothing to adopt");
        assertNull(tp.beginAdoption(77L, TARGET), "a producer this proxy did not initialise");

        TransactionalProducers.Adoption first = tp.beginAdoption(v[0], TARGET);
        assertEquals("txn-1", first.transactionalId());
        assertNull(tp.beginAdoption(v[0], TARGET), "one at a time: the other requests that found no real id wait for it");
        assertTrue(tp.adopted(first, 900L, (short) 0));

        // A request read "no real id on the target" just before the install, and asks only now.
        assertNull(tp.beginAdoption(v[0], TARGET),
            "a second InitProducerId there would abort the transaction the producer began under the first one's epoch");
        assertEquals(new TransactionalProducers.Real(900L, 4), tp.real(v[0], TARGET));
    }

    @Test
    void anAdoptionBegunBeforeANewerMappingWasSavedIsNotUsed() {
        TransactionalProducers tp = new TransactionalProducers(SOURCE, new RecordingStore(), List.of(), clock::get);
        long[] v = tp.initialized("txn-1", 60_000, SOURCE, 5L, (short) 4, ProducerIdsTest::none);
        TransactionalProducers.Adoption slow = tp.beginAdoption(v[0], TARGET);

        // The client initialised again (on the source) while the adoption on the target was under way.
        tp.initialized("txn-1", 60_000, SOURCE, 5L, (short) 5, ProducerIdsTest::none);
        assertFalse(tp.adopted(slow, 901L, (short) 0), "begun before the newer mapping was saved: stale, not used");
        assertNull(tp.real(v[0], TARGET));
        assertEquals(new TransactionalProducers.Real(5L, 0), tp.real(v[0], SOURCE), "the newer mapping stays");
        assertTrue(tp.beginAdoption(v[0], TARGET) != null, "the stale one let go: the next request adopts afresh");
    }

    @Test
    void anAbandonedAdoptionLetsTheNextRequestTryAgain() {
        TransactionalProducers tp = new TransactionalProducers(SOURCE, new RecordingStore(), List.of(), clock::get);
        long[] v = tp.initialized("txn-1", 60_000, SOURCE, 5L, (short) 4, ProducerIdsTest::none);
        TransactionalProducers.Adoption failed = tp.beginAdoption(v[0], TARGET);
        tp.abandoned(failed);
        assertTrue(tp.beginAdoption(v[0], TARGET) != null);
    }

    @Test
    void aTransactionalProducerInitialisedOnTheTargetGetsASourceIdAsItsVirtualId() {
        TransactionalProducers tp = new TransactionalProducers(SOURCE, new RecordingStore(), List.of(), clock::get);
        long[] v = tp.initialized("txn-t", 60_000, TARGET, 5L, (short) 2, this::fresh);
        assertEquals(1000L, v[0], "a source id, so it cannot collide with a source producer's id 5");
        assertEquals(new TransactionalProducers.Real(5L, 0), tp.real(1000L, TARGET));
        assertNull(new TransactionalProducers(SOURCE, new RecordingStore(), List.of(), clock::get)
            .initialized("txn-u", 60_000, TARGET, 6L, (short) 0, cluster -> null), "no source id at hand: the client retries");
    }

    @Test
    void transactionalProducersSurviveARestartAndAnUnsavedMoveIsNotUsed() {
        RecordingStore store = new RecordingStore();
        TransactionalProducers tp = new TransactionalProducers(SOURCE, store, List.of(), clock::get);
        long[] v = tp.initialized("txn-1", 30_000, SOURCE, 5L, (short) 4, ProducerIdsTest::none);
        assertTrue(tp.adopted(v[0], TARGET, 900L, (short) 0));
        assertEquals((short) 5, tp.ended(v[0], TARGET, 900L, (short) 1), "a bump under the same real id is not saved");
        int saved = store.saved.size();
        assertEquals((short) 6, tp.ended(v[0], TARGET, 901L, (short) 0), "a rolled-over real id keeps the client's epochs climbing");
        assertEquals(saved + 1, store.saved.size(), "the rolled-over real id was saved");

        TransactionalProducers restarted = new TransactionalProducers(SOURCE, store, store.load(), clock::get);
        assertTrue(restarted.isTransactional(5L));
        assertEquals("txn-1", restarted.transactionalId(5L));
        assertEquals(30_000, restarted.transactionTimeoutMs(5L));
        assertEquals(new TransactionalProducers.Real(901L, 6), restarted.real(5L, TARGET));

        store.failing = true;
        assertFalse(restarted.adopted(5L, SOURCE, 77L, (short) 0));
        assertNull(restarted.real(5L, SOURCE), "a mapping that was not saved is not used");
        assertEquals(new TransactionalProducers.Real(901L, 6), restarted.real(5L, TARGET));
    }

    @Test
    void aMappingAnotherInstanceMadeIsUsedHereSoTheProducerKeepsItsRealId() {
        RecordingStore storeA = new RecordingStore();
        ProducerIdMapper a = mapper(storeA);
        long real = a.realFor(7L, TARGET, "orders", this::fresh);
        assertEquals(1, storeA.caughtUp, "a new mapping first reads what the fleet holds");

        // Instance b learns a's mapping from the state topic; the producer reconnects through b.
        RecordingStore storeB = new RecordingStore();
        ProducerIdMapper b = mapper(storeB);
        storeA.saved.forEach(b::adopt);
        assertEquals(real, b.realFor(7L, TARGET, "orders", ProducerIdsTest::none), "same real id: the broker dedupes a retry");
        assertEquals(0, storeB.caughtUp, "a known mapping needs no read of the fleet's state");
        assertTrue(storeB.saved.isEmpty(), "and b saves nothing of its own");
    }

    @Test
    void aProducerAnotherInstanceSawIsNotForgottenHere() {
        RecordingStore store = new RecordingStore();
        ProducerIdMapper here = mapper(store);
        here.realFor(7L, TARGET, "orders", this::fresh);
        clock.addAndGet(10_000);
        here.adopt(new ProducerIdRecord.Seen(7L, clock.get() - 1_000));
        assertEquals(0, here.maintain(5_000, clock.get() - 5_000), "seen through another instance 1 s ago");
        assertEquals(List.of(), store.forgotten);
        clock.addAndGet(10_000);
        assertEquals(1, here.maintain(5_000, clock.get() - 5_000), "then idle everywhere past the bound");
        assertEquals(List.of("7 [orders]"), store.forgotten);
    }

    @Test
    void aNewerMappingFromAnotherInstanceReplacesAnOlderOneAndNeverTheOtherWayRound() {
        RecordingStore store = new RecordingStore();
        ProducerIdMapper here = mapper(store);
        long old = here.realFor(7L, TARGET, "orders", this::fresh);
        ProducerIdRecord.Placement newer = new ProducerIdRecord.Placement(7L, "orders", TARGET, old + 100, clock.get() + 10, 2);
        here.adopt(newer);
        assertEquals(old + 100, here.realFor(7L, TARGET, "orders", ProducerIdsTest::none),
            "after the topic moved away and back through another instance, its newer real id counts here too");
        here.adopt(store.saved.get(0));
        assertEquals(old + 100, here.realFor(7L, TARGET, "orders", ProducerIdsTest::none), "an older record read late changes nothing");
        here.adopt(new ProducerIdRecord.Placement(7L, "payments", SOURCE, 555L, clock.get() + 20, 1));
        assertEquals(555L, here.realFor(7L, SOURCE, "payments", ProducerIdsTest::none), "a non-identity mapping on the source too");
    }

    @Test
    void twoInstancesPlacingOneProducerAtTheSameMomentAgreeOnTheFirstPlacementInTheStoresOrder() {
        SharedLog topic = new SharedLog();
        SharedStore storeA = new SharedStore(topic);
        SharedStore storeB = new SharedStore(topic);
        ProducerIdMapper a = storeA.start(clock);
        ProducerIdMapper b = storeB.start(clock);

        long fromA = a.realFor(7L, TARGET, "orders", this::fresh);
        // b checked the topic before a's placement was visible, so it places the producer too.
        storeB.blindReads = 1;
        long fromB = b.realFor(7L, TARGET, "orders", this::fresh);
        assertEquals(2, topic.records.size(), "both placed it: " + topic.records);
        assertEquals(fromA, fromB, "b writes under a's real id, the first placement of that generation in the topic");
        storeA.awaitLatest();
        assertEquals(fromA, a.realFor(7L, TARGET, "orders", ProducerIdsTest::none), "b's later placement changes nothing on a");

        ProducerIdMapper cold = new SharedStore(topic).start(clock);
        assertEquals(fromA, cold.realFor(7L, TARGET, "orders", ProducerIdsTest::none), "an instance started later agrees");

        // The topic comes back to the source and moves again: a new generation replaces the old one everywhere.
        long back = a.realFor(7L, SOURCE, "orders", this::fresh);
        assertNotEquals(7L, back);
        storeB.awaitLatest(); // b's tail reads a's placement as it is written
        long again = b.realFor(7L, TARGET, "orders", this::fresh);
        assertNotEquals(fromA, again, "the target remembers the producer's last sequence under its first real id");
        storeA.awaitLatest();
        assertEquals(again, a.realFor(7L, TARGET, "orders", ProducerIdsTest::none));
    }

    @Test
    void withoutSeeingTheFleetsLatestMappingsNoNewOneIsMade() {
        RecordingStore store = new RecordingStore();
        store.behind = true;
        ProducerIdMapper m = mapper(store);
        assertEquals(ProducerIdMapper.NOT_YET, m.realFor(7L, TARGET, "orders", ProducerIdsTest::none));
        assertTrue(store.saved.isEmpty());
        store.behind = false;
        assertTrue(m.realFor(7L, TARGET, "orders", this::fresh) >= 0, "retried once the state is read");
    }

    @Test
    void aTransactionalProducerInitialisedThroughAnotherInstanceIsMappedHereAsThere() {
        RecordingStore storeA = new RecordingStore();
        TransactionalProducers a = new TransactionalProducers(SOURCE, storeA, List.of(), clock::get);
        long[] v = a.initialized("txn-f", 60_000, TARGET, 5L, (short) 2, this::fresh);
        TransactionalProducers b = new TransactionalProducers(SOURCE, new RecordingStore(), List.of(), clock::get);
        assertNull(b.transactionalId(v[0]), "b has not heard of it yet");

        storeA.saved.forEach(b::adoptSaved);
        assertEquals("txn-f", b.transactionalId(v[0]));
        assertEquals(a.real(v[0], TARGET), b.real(v[0], TARGET), "the same real id and epoch offset on the target");
        assertEquals(60_000, b.transactionTimeoutMs(v[0]));

        // a's own record read back changes nothing there; an older one read late changes nothing here.
        clock.addAndGet(1_000);
        assertTrue(a.adopted(v[0], SOURCE, 77L, (short) 0), "the transactional id moves to the source through a");
        TransactionalProducers.Real moved = a.real(v[0], SOURCE);
        storeA.saved.forEach(a::adoptSaved);
        assertEquals(moved, a.real(v[0], SOURCE));
        b.adoptSaved(storeA.saved.get(storeA.saved.size() - 1));
        b.adoptSaved(storeA.saved.get(0));
        assertEquals(moved, b.real(v[0], SOURCE), "the newest state counts");
        assertNull(b.real(v[0], TARGET), "ids held on the cluster it left are stale");
    }
}
