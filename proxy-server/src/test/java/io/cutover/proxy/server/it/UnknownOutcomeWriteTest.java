package io.cutover.proxy.server.it;

import static io.cutover.proxy.server.it.WaveSwitchTest.createReady;
import static io.cutover.proxy.server.it.WaveSwitchTest.json;
import static io.cutover.proxy.server.it.WaveSwitchTest.proxyWithMirror;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.core.node.VirtualNode;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.embedded.EmbeddedMirrorMaker;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.FaultRelay;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RawKafkaClient;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.TopicLog;
import io.cutover.proxy.server.testkit.Topics;
import io.cutover.proxy.server.testkit.WaveWorkload;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Finding 8 of "cutover under fire": a write whose outcome the proxy cannot know, because its
 * connection closed before the broker answered, may still land in the source's log after the
 * drain found nothing in flight. The source's only broker sits behind a {@link FaultRelay} that
 * delays only connections opened from a point on, so one client's Produce reaches the broker
 * seconds late while the proxy's admin calls and MirrorMaker 2 (connected earlier) are not slowed:
 * the broker sees the end-offset reads of the switch before that Produce, as under real load.
 */
@ExtendWith(KafkaClusterExtension.class)
class UnknownOutcomeWriteTest {
    private static final Duration RELAY_DELAY = Duration.ofSeconds(3);

    @Test
    void aSwitchWaitsForAWriteWhoseConnectionClosedUnansweredAndRefusesOneThatOutlastsItsFence(EmbeddedKafkaCluster target)
        throws Exception {
        String prefix = Clients.unique("uncertain");
        String waited = prefix + "-waited";
        String refused = prefix + "-refused";
        try (FaultRelay relay = FaultRelay.start();
             EmbeddedKafkaCluster source = EmbeddedKafkaCluster.start("uncertain-source", 1,
                 Map.of("advertised.listeners", "EXTERNAL://127.0.0.1:" + relay.port()))) {
            relay.forwardTo(source.bootstrapServers().split(",")[0]);
            try (Admin admin = Clients.admin(relay.address())) {
                Topics.create(admin, new NewTopic(waited, 1, (short) 1), new NewTopic(refused, 1, (short) 1));
            }
            try (EmbeddedMirrorMaker mm = EmbeddedMirrorMaker.start("source", relay.address(), "target", target.bootstrapServers(),
                     prefix + ".*", ".*", Map.of());
                 RunningProxy proxy = proxyWithMirror(source, target, mm, Map.of("waves.unknown-outcome-window", "60 seconds"));
                 // Steady writes keep MirrorMaker 2's offset syncs coming; their connections open before the delay.
                 WaveWorkload waitedLoad = new WaveWorkload(proxy.bootstrapServers(), waited);
                 WaveWorkload refusedLoad = new WaveWorkload(proxy.bootstrapServers(), refused)) {
                waitedLoad.produce("waited-app", 20);
                refusedLoad.produce("refused-app", 20);
                Await.until("both producers acknowledged", Duration.ofSeconds(60),
                    () -> waitedLoad.ackedCount() > 20 && refusedLoad.ackedCount() > 20);
                createReady(proxy, "waited", waited, List.of());
                createReady(proxy, "refused", refused, List.of());
                String sourceBroker = "127.0.0.1:" + sourceBrokerPort(proxy);

                // The Produce gives the broker 4 s; it arrives after 3 s, once its client has gone.
                relay.latencyOnNewConnections(RELAY_DELAY);
                sendAndLeave(proxy, sourceBroker, waited, "late-write", 4_000);
                long switchStarted = System.nanoTime();
                HttpResponse<String> switched = proxy.send("POST", "/waves/waited/switch", null, Map.of());
                long switchMs = (System.nanoTime() - switchStarted) / 1_000_000;
                assertEquals(200, switched.statusCode(), switched.body());
                JsonNode report = json(switched).get("lastSwitch");
                System.out.println("UNKNOWN-OUTCOME switch took " + switchMs + " ms: " + report);

                // The late write is in the source's log below the offsets the switch synced through,
                // so MirrorMaker 2 carried it before clients were moved, and nothing lands on the source after.
                long lateOffset = offsetOf(source.bootstrapServers(), waited, "late-write");
                long syncedThrough = report.path("syncedThrough").path(waited + "-0").asLong(-1);
                assertTrue(lateOffset >= 0 && lateOffset < syncedThrough, "the write of unknown outcome (offset " + lateOffset
                    + ") landed on the source at or past what the switch synced through (" + syncedThrough + "): " + report);
                assertTrue(report.path("unknownOutcomeWaitMs").asDouble() > 0, report.toString());

                // A write the broker may apply for longer than a switch waits (60 s asked, and allowed by
                // waves.unknown-outcome-window here; 6 x the 5 s fence timeout) refuses the switch before any write is held.
                sendAndLeave(proxy, sourceBroker, refused, "later-write", 60_000);
                HttpResponse<String> refusal = proxy.send("POST", "/waves/refused/switch", null, Map.of());
                assertEquals(409, refusal.statusCode(), refusal.body());
                assertTrue(refusal.body().contains("its connection closed before the answer") && refusal.body().contains(refused),
                    refusal.body());
                String state = json(proxy.send("GET", "/waves/refused", null, Map.of())).get("state").asText();
                assertTrue(!state.equals("SWITCHED"), "nothing moved: " + state);
                assertEquals(0, refusal.body().contains("writePauseMs") ? json(refusal).path("lastSwitch").path("writePauseMs").asDouble() : 0,
                    "no write was held: " + refusal.body());
            }
        }
    }

    /** The proxy's listener for the source's broker: its upstream connections go through the relay. */
    private static int sourceBrokerPort(RunningProxy proxy) {
        for (VirtualNode n : proxy.server().nodes().nodes()) {
            if (n.cluster().equals("source")) {
                return n.port();
            }
        }
        throw new AssertionError("no source broker known to the proxy");
    }

    /** Sends one acks=all Produce and closes the connection once the proxy has passed it on, without waiting for its answer. */
    private static void sendAndLeave(RunningProxy proxy, String proxyBroker, String topic, String value, int timeoutMs) {
        double forwardedBefore = proxy.metric("cutover_proxy_cluster_requests_total", "cluster=\"source\"", "api=\"Produce\"");
        ProduceRequestData produce = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(timeoutMs);
        ProduceRequestData.TopicProduceData t = new ProduceRequestData.TopicProduceData().setName(topic);
        t.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0)
            .setRecords(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(value.getBytes(StandardCharsets.UTF_8)))));
        produce.topicData().add(t);
        try (RawKafkaClient raw = RawKafkaClient.connect(proxyBroker)) {
            raw.send(ApiKeys.PRODUCE, (short) 9, produce);
            Await.until("the proxy passed the Produce on to the source", Duration.ofSeconds(10),
                () -> proxy.metric("cutover_proxy_cluster_requests_total", "cluster=\"source\"", "api=\"Produce\"") > forwardedBefore);
        }
    }

    private static long offsetOf(String bootstrap, String topic, String value) {
        return TopicLog.records(bootstrap, topic).stream().filter(r -> value.equals(r.value())).mapToLong(ConsumerRecord::offset)
            .findFirst().orElse(-1);
    }
}
