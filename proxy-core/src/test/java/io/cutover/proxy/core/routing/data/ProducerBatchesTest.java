package io.cutover.proxy.core.routing.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.core.routing.ClientRoutes;
import io.cutover.proxy.core.routing.MatchType;
import io.cutover.proxy.core.routing.ResourceType;
import io.cutover.proxy.core.routing.RouteRule;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.virtual.ProducerIdMapper;
import io.cutover.proxy.core.virtual.ProducerIdStore;
import io.cutover.proxy.core.virtual.TopicIds;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

/** What reaches each cluster in an idempotent producer's batch header. */
class ProducerBatchesTest {
    private static final long CLIENT_ID = 4711L;
    private static final short CLIENT_EPOCH = 3;

    private final ProducerIdMapper producers = new ProducerIdMapper("source", ProducerIdStore.none(), List.of(), System::currentTimeMillis);

    private RequestScope scope(String cluster) throws Exception {
        RouteTable table = RouteTable.initial()
            .withRule(new RouteRule(ResourceType.TOPIC, MatchType.EXACT, "moved", ClientSelector.ANY, "target"));
        ClientRoutes routes = table.forClient(new ClientSelector.ClientIdentity("app", InetAddress.getLoopbackAddress()));
        return new RequestScope(cluster, routes, new TopicIds(), true, producers,
            c -> new ProducerIdMapper.RealProducer(c.equals("target") ? 900L : 800L, (short) 0), null, null);
    }

    private static PartitionProduceData batch() {
        return batch(CLIENT_EPOCH, 17, 1);
    }

    private static PartitionProduceData batch(short epoch, int baseSequence, int records) {
        SimpleRecord[] r = new SimpleRecord[records];
        for (int i = 0; i < records; i++) {
            r[i] = new SimpleRecord(("v" + i).getBytes());
        }
        MemoryRecords m = MemoryRecords.withIdempotentRecords((byte) 2, 0L, Compression.NONE, CLIENT_ID, epoch, baseSequence, 0, r);
        return new PartitionProduceData().setIndex(0).setRecords(m);
    }

    private static byte[] bytes(PartitionProduceData p) {
        ByteBuffer b = ((MemoryRecords) p.records()).buffer().duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static MutableRecordBatch onlyBatch(PartitionProduceData p) {
        return ((MemoryRecords) p.records()).batches().iterator().next();
    }

    @Test
    void aBatchForTheSourceGoesAsTheClientWroteIt() throws Exception {
        PartitionProduceData p = batch();
        byte[] before = bytes(p);
        assertEquals(Errors.NONE, ProducerBatches.mapToCluster(p, "orders", scope("source")));
        assertArrayEquals(before, bytes(p), "not a byte changed, CRC included");
    }

    @Test
    void aBatchForTheTargetCarriesARealTargetIdAndTheClientsEpochAndSequence() throws Exception {
        PartitionProduceData p = batch();
        assertEquals(Errors.NONE, ProducerBatches.mapToCluster(p, "moved", scope("target")));
        MutableRecordBatch b = onlyBatch(p);
        b.ensureValid();
        assertEquals(900L, b.producerId());
        assertEquals(CLIENT_EPOCH, b.producerEpoch(), "the epoch is the client's: a fresh real id accepts any epoch");
        assertEquals(17, b.baseSequence());
    }

    @Test
    void afterASwitchTheFirstBatchOnTheTargetMustFollowTheLastOneOnTheSource() throws Exception {
        // The source's last batch of partition 0 ended at sequence 16; batch 17 is still on its way there when 18 reaches the target.
        long deadline = System.currentTimeMillis() + 60_000;
        producers.firstSequences().expect(CLIENT_ID, "moved", 0, "target", CLIENT_EPOCH, 16, deadline);

        assertEquals(Errors.NOT_ENOUGH_REPLICAS, ProducerBatches.mapToCluster(batch(CLIENT_EPOCH, 18, 1), "moved", scope("target")),
            "a later batch waits, as the broker that led the partition would make it");
        assertEquals(Errors.DUPLICATE_SEQUENCE_NUMBER, ProducerBatches.mapToCluster(batch(CLIENT_EPOCH, 15, 2), "moved", scope("target")),
            "a batch the source holds already is done");
        assertEquals(Errors.NONE, ProducerBatches.mapToCluster(batch(CLIENT_EPOCH, 17, 1), "moved", scope("target")));
        assertEquals(Errors.NONE, ProducerBatches.mapToCluster(batch(CLIENT_EPOCH, 18, 1), "moved", scope("target")),
            "once the next batch passed, the broker orders the rest");
        assertEquals(0, producers.firstSequences().size());
    }

    @Test
    void aProducerThatStartedANewEpochIsNotHeldToItsOldSequence() throws Exception {
        producers.firstSequences().expect(CLIENT_ID, "moved", 0, "target", CLIENT_EPOCH, 16, System.currentTimeMillis() + 60_000);
        assertEquals(Errors.NONE, ProducerBatches.mapToCluster(batch((short) (CLIENT_EPOCH + 1), 0, 1), "moved", scope("target")));
        assertEquals(0, producers.firstSequences().size());
    }

    @Test
    void aWaitEndsAtItsDeadline() throws Exception {
        producers.firstSequences().expect(CLIENT_ID, "moved", 0, "target", CLIENT_EPOCH, 16, System.currentTimeMillis() - 1);
        assertEquals(Errors.NONE, ProducerBatches.mapToCluster(batch(CLIENT_EPOCH, 40, 1), "moved", scope("target")));
    }

    @Test
    void aRefusalAsksTheClusterOnceASecondAndAnExpectationMetElsewhereLetsTheBatchThrough() throws Exception {
        // In a fleet another instance passed batch 17 to the target; this one still expects it.
        producers.firstSequences().expect(CLIENT_ID, "moved", 0, "target", CLIENT_EPOCH, 16, System.currentTimeMillis() + 60_000);
        List<String> asked = new java.util.ArrayList<>();
        producers.firstSequences().witnessedBy((id, topic, partition, cluster) -> asked.add(id + "/" + topic + "-" + partition + "@" + cluster));

        assertEquals(Errors.NOT_ENOUGH_REPLICAS, ProducerBatches.mapToCluster(batch(CLIENT_EPOCH, 18, 1), "moved", scope("target")));
        assertEquals(Errors.NOT_ENOUGH_REPLICAS, ProducerBatches.mapToCluster(batch(CLIENT_EPOCH, 18, 1), "moved", scope("target")));
        assertEquals(List.of(CLIENT_ID + "/moved-0@target"), asked, "one question per partition and second, however often it is refused");

        producers.firstSequences().satisfied(CLIENT_ID, "moved", 0, "source");
        assertEquals(1, producers.firstSequences().size(), "an answer about another cluster changes nothing");
        producers.firstSequences().satisfied(CLIENT_ID, "moved", 0, "target");
        assertEquals(0, producers.firstSequences().size());
        assertEquals(Errors.NONE, ProducerBatches.mapToCluster(batch(CLIENT_EPOCH, 18, 1), "moved", scope("target")),
            "the broker holds the producer's state now and orders the rest itself");
    }

    @Test
    void aDuplicateIsAnsweredWithoutAskingTheCluster() throws Exception {
        producers.firstSequences().expect(CLIENT_ID, "moved", 0, "target", CLIENT_EPOCH, 16, System.currentTimeMillis() + 60_000);
        List<Long> asked = new java.util.ArrayList<>();
        producers.firstSequences().witnessedBy((id, topic, partition, cluster) -> asked.add(id));
        assertEquals(Errors.DUPLICATE_SEQUENCE_NUMBER, ProducerBatches.mapToCluster(batch(CLIENT_EPOCH, 15, 2), "moved", scope("target")));
        assertEquals(List.of(), asked);
    }

    @Test
    void aSwitchsReadReplacesAnEarlierOnesAndAnOlderReadLearntLateChangesNothing() {
        long now = System.currentTimeMillis();
        var sequences = producers.firstSequences();
        sequences.replace(java.util.Set.of("moved"), List.of(
            new io.cutover.proxy.core.virtual.FirstSequences.Expectation(CLIENT_ID, "moved", 0, "target", CLIENT_EPOCH, 16, now + 60_000),
            new io.cutover.proxy.core.virtual.FirstSequences.Expectation(CLIENT_ID, "moved", 1, "target", CLIENT_EPOCH, 9, now + 60_000)));
        assertEquals(2, sequences.size());
        // A later switch of the topic read partition 0 only: partition 1's older sequence must not stay.
        sequences.replace(java.util.Set.of("moved"), List.of(
            new io.cutover.proxy.core.virtual.FirstSequences.Expectation(CLIENT_ID, "moved", 0, "source", CLIENT_EPOCH, 40, now + 90_000)));
        assertEquals(1, sequences.size());
        // The first read again, learnt late (a post read at start): ignored.
        assertEquals(0, sequences.replace(java.util.Set.of("moved"), List.of(
            new io.cutover.proxy.core.virtual.FirstSequences.Expectation(CLIENT_ID, "moved", 1, "target", CLIENT_EPOCH, 9, now + 60_000))));
        assertEquals(1, sequences.size());
    }
}
