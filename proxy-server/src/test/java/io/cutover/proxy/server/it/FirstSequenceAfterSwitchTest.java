package io.cutover.proxy.server.it;

import static io.cutover.proxy.server.it.WaveSwitchTest.createReady;
import static io.cutover.proxy.server.it.WaveSwitchTest.json;
import static io.cutover.proxy.server.it.WaveSwitchTest.mirrored;
import static io.cutover.proxy.server.it.WaveSwitchTest.proxyWithMirror;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.core.node.VirtualNode;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.embedded.EmbeddedMirrorMaker;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RawKafkaClient;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.TopicLog;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An idempotent producer's batches around a switch, sent by hand so that their order is the one a
 * Java producer makes only by chance: the producer keeps several batches in flight, and after the
 * switch a newer batch reaches the target while an older one is still on its way. On the target the
 * proxy writes under a producer id the target has never seen, which would take any first sequence;
 * the switch read the producer's last sequence on the source, so the target's first batch must
 * follow it, as it would have to on a broker that took over the partition's leadership.
 */
@ExtendWith(KafkaClusterExtension.class)
class FirstSequenceAfterSwitchTest {
    private static final short PRODUCE_V9 = 9;
    private static final short INIT_PRODUCER_ID_V4 = 4;

    @Test
    void theFirstBatchOnTheTargetFollowsTheProducersLastOneOnTheSource(EmbeddedKafkaCluster source,
                                                                        @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        String topic = Clients.unique("first-seq");
        try (EmbeddedMirrorMaker mm = mirrored(source, target, topic);
             RunningProxy proxy = proxyWithMirror(source, target, mm, Map.of())) {
            // Sequences 0-4 on the source, acknowledged.
            InitProducerIdResponseData init = producerWithFiveOnTheSource(proxy, topic);
            long producerId = init.producerId();
            short epoch = init.producerEpoch();

            createReady(proxy, "first-seq", topic, List.of());
            HttpResponse<String> switched = proxy.send("POST", "/waves/first-seq/switch", null, Map.of());
            assertEquals(200, switched.statusCode(), switched.body());
            JsonNode report = json(switched).get("lastSwitch");
            assertTrue(report.path("firstSequences").asInt() >= 1, "the producer's last sequence on the source was read: " + report);
            assertTrue(report.path("firstSequencesMs").isNumber(), "the wait for the read is in the pause's breakdown: " + report);

            try (RawKafkaClient onTarget = RawKafkaClient.connect("127.0.0.1:" + port(proxy, "target"))) {
                assertEquals(Errors.NOT_ENOUGH_REPLICAS, produce(onTarget, topic, producerId, epoch, 6, 1),
                    "sequence 6 overtook sequence 5, still on its way: it must wait for it");
                assertEquals(Errors.DUPLICATE_SEQUENCE_NUMBER, produce(onTarget, topic, producerId, epoch, 3, 2),
                    "sequences 3-4, retried after the switch, are on the source (and copied) already");
                assertEquals(Errors.NONE, produce(onTarget, topic, producerId, epoch, 5, 1));
                assertEquals(Errors.NONE, produce(onTarget, topic, producerId, epoch, 6, 1));
            }

            List<String> onTargetLog = TopicLog.records(target.bootstrapServers(), topic).stream()
                .filter(r -> r.partition() == 0).map(ConsumerRecord::value).toList();
            assertEquals(List.of("seq-0", "seq-1", "seq-2", "seq-3", "seq-4", "seq-5", "seq-6"), onTargetLog,
                "every record once, in the producer's order");
        }
    }

    /**
     * The same over a fleet of two instances, where the producer's batches of one partition reach
     * the target through both (a leader moved, a connection landed elsewhere after a kill). The
     * switch ran through a; b holds the producer to the same first sequence (a's release carried it),
     * so the newer batch waits on either instance. Once the older batch passed through b, a asks the
     * target, finds the producer's state there, and lets its newer batch through: the producer is
     * neither reordered nor stranded.
     */
    @Test
    void overAFleetEveryInstanceHoldsTheFirstBatchAndLetsGoOnceAnotherPassedIt(EmbeddedKafkaCluster source,
                                                                                @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        String topic = Clients.unique("fleet-first-seq");
        String stateTopic = Clients.unique("fleet-first-seq-state");
        try (EmbeddedMirrorMaker mm = mirrored(source, target, topic);
             RunningProxy a = proxyWithMirror(source, target, mm, FleetWaveSwitchTest.fleet(stateTopic, "a", Map.of()));
             RunningProxy b = proxyWithMirror(source, target, mm, FleetWaveSwitchTest.fleet(stateTopic, "b", Map.of()))) {
            Await.until("a sees b live", Duration.ofSeconds(30), () -> json(a.send("GET", "/fleet", null, Map.of())).path("live").asInt() == 2);
            InitProducerIdResponseData init = producerWithFiveOnTheSource(a, topic);
            long producerId = init.producerId();
            short epoch = init.producerEpoch();

            createReady(a, "fleet-first-seq", topic, List.of());
            Await.until("b knows the wave", Duration.ofSeconds(30), () -> b.send("GET", "/waves/fleet-first-seq", null, Map.of()).statusCode() == 200);
            HttpResponse<String> switched = a.send("POST", "/waves/fleet-first-seq/switch", null, Map.of());
            assertEquals(200, switched.statusCode(), switched.body());
            JsonNode report = json(switched).get("lastSwitch");
            assertTrue(report.path("firstSequences").asInt() >= 1, "the producer's last sequence on the source was read: " + report);
            assertTrue(report.path("fleet").path("heldAfterMs").has("b"), "b held the wave's writes: " + report);
            Await.until("b sees the wave SWITCHED", Duration.ofSeconds(30),
                () -> json(b.send("GET", "/waves/fleet-first-seq", null, Map.of())).path("state").asText().equals("SWITCHED"));

            try (RawKafkaClient throughA = RawKafkaClient.connect("127.0.0.1:" + port(a, "target"));
                 RawKafkaClient throughB = RawKafkaClient.connect("127.0.0.1:" + port(b, "target"))) {
                assertEquals(Errors.NOT_ENOUGH_REPLICAS, produce(throughB, topic, producerId, epoch, 6, 1),
                    "b holds the producer to the sequence a's switch read, though the switch did not run through b");
                assertEquals(Errors.NOT_ENOUGH_REPLICAS, produce(throughA, topic, producerId, epoch, 6, 1));
                assertEquals(Errors.DUPLICATE_SEQUENCE_NUMBER, produce(throughB, topic, producerId, epoch, 3, 2));
                assertEquals(Errors.NONE, produce(throughB, topic, producerId, epoch, 5, 1), "the older batch passes through b");
                // a still expects sequence 5; its next refusal (at most a second after its last question) asks the target.
                Await.until("a lets sequence 6 through once the target holds the producer's state", Duration.ofSeconds(30),
                    () -> produce(throughA, topic, producerId, epoch, 6, 1) == Errors.NONE);
                // Sequence 6 again, through b: the broker answers a copy of a recent batch as written and drops it, only
                // if both instances write the producer under one real id (the log below shows seq-6 once).
                assertEquals(Errors.NONE, produce(throughB, topic, producerId, epoch, 6, 1));
            }
            assertTrue(a.metric("cutover_proxy_first_sequences_met_elsewhere_total") >= 1, "a counted the expectation met elsewhere");

            List<String> onTargetLog = TopicLog.records(target.bootstrapServers(), topic).stream()
                .filter(r -> r.partition() == 0).map(ConsumerRecord::value).toList();
            assertEquals(List.of("seq-0", "seq-1", "seq-2", "seq-3", "seq-4", "seq-5", "seq-6"), onTargetLog,
                "every record once, in the producer's order, whichever instance each batch went through");
        }
    }

    /** An idempotent producer's id from the proxy, and its sequences 0-4 of partition 0 written to the source through it. */
    private static InitProducerIdResponseData producerWithFiveOnTheSource(RunningProxy proxy, String topic) {
        try (RawKafkaClient onSource = RawKafkaClient.connect("127.0.0.1:" + port(proxy, "source"))) {
            onSource.send(ApiKeys.INIT_PRODUCER_ID, INIT_PRODUCER_ID_V4,
                new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(Integer.MAX_VALUE)
                    .setProducerId(-1).setProducerEpoch((short) -1));
            InitProducerIdResponseData init = onSource.receive(ApiKeys.INIT_PRODUCER_ID, INIT_PRODUCER_ID_V4)
                .as(InitProducerIdResponseData.class);
            assertEquals(Errors.NONE.code(), init.errorCode());
            assertEquals(Errors.NONE, produce(onSource, topic, init.producerId(), init.producerEpoch(), 0, 5));
            return init;
        }
    }

    private static int port(RunningProxy proxy, String cluster) {
        for (VirtualNode n : proxy.server().nodes().nodes()) {
            if (n.cluster().equals(cluster)) {
                return n.port();
            }
        }
        throw new AssertionError("no " + cluster + " broker known to the proxy");
    }

    /** One acks=all batch of {@code count} records to partition 0, values "seq-N"; the partition's error. */
    private static Errors produce(RawKafkaClient raw, String topic, long producerId, short epoch, int baseSequence, int count) {
        SimpleRecord[] records = new SimpleRecord[count];
        for (int i = 0; i < count; i++) {
            records[i] = new SimpleRecord(("seq-" + (baseSequence + i)).getBytes(StandardCharsets.UTF_8));
        }
        ProduceRequestData produce = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000);
        ProduceRequestData.TopicProduceData t = new ProduceRequestData.TopicProduceData().setName(topic);
        t.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0)
            .setRecords(MemoryRecords.withIdempotentRecords((byte) 2, 0L, Compression.NONE, producerId, epoch, baseSequence, 0, records)));
        produce.topicData().add(t);
        raw.send(ApiKeys.PRODUCE, PRODUCE_V9, produce);
        ProduceResponseData response = raw.receive(ApiKeys.PRODUCE, PRODUCE_V9).as(ProduceResponseData.class);
        return Errors.forCode(response.responses().iterator().next().partitionResponses().get(0).errorCode());
    }
}
