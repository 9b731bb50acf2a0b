package io.cutover.proxy.core.routing.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        MemoryRecords records = MemoryRecords.withIdempotentRecords((byte) 2, 0L, Compression.NONE, CLIENT_ID, CLIENT_EPOCH, 17, 0,
            new SimpleRecord("v".getBytes()));
        return new PartitionProduceData().setIndex(0).setRecords(records);
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
        assertTrue(ProducerBatches.mapToCluster(p, "orders", scope("source")));
        assertArrayEquals(before, bytes(p), "not a byte changed, CRC included");
    }

    @Test
    void aBatchForTheTargetCarriesARealTargetIdAndTheClientsEpochAndSequence() throws Exception {
        PartitionProduceData p = batch();
        assertTrue(ProducerBatches.mapToCluster(p, "moved", scope("target")));
        MutableRecordBatch b = onlyBatch(p);
        b.ensureValid();
        assertEquals(900L, b.producerId());
        assertEquals(CLIENT_EPOCH, b.producerEpoch(), "the epoch is the client's: a fresh real id accepts any epoch");
        assertEquals(17, b.baseSequence());
    }
}
