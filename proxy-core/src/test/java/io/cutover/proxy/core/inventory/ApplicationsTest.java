package io.cutover.proxy.core.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Clients grouped into applications by client id, group protocol and topics, the way Streams, Connect and MM2 name theirs. */
class ApplicationsTest {
    private static final String PROCESS = "0f8b2c3d-1a2b-4c5d-8e9f-0123456789ab";

    private static ClientRecord.Snapshot client(String id, String address, Set<String> produced, Set<String> fetched, Set<String> groups,
                                                String protocol) {
        return new ClientRecord.Snapshot(id, address, "apache-kafka-java", "4.3.1", Set.of("METADATA"), produced, fetched, groups,
            Set.of(), false, false, "source", 1, Instant.EPOCH, Instant.EPOCH, protocol);
    }

    @Test
    void streamsConnectMirrorMakerAndPlainClientsAreTold() {
        List<ClientRecord.Snapshot> clients = List.of(
            // A Streams application "wordcount": one process, its consumer, producer, restore consumer and admin.
            client("wordcount-" + PROCESS + "-StreamThread-1-consumer", "10.0.0.1", Set.of(), Set.of("words", "wordcount-counts-repartition"),
                Set.of("wordcount"), "consumer/stream"),
            client("wordcount-" + PROCESS + "-StreamThread-1-producer", "10.0.0.1",
                Set.of("counts", "wordcount-counts-repartition", "wordcount-store-changelog"), Set.of(), Set.of(), null),
            client("wordcount-" + PROCESS + "-StateUpdater-1-restore-consumer", "10.0.0.1", Set.of(), Set.of("wordcount-store-changelog"),
                Set.of(), null),
            client("wordcount-" + PROCESS + "-admin", "10.0.0.1", Set.of(), Set.of(), Set.of(), null),
            // A Connect worker of cluster "etl", its storage clients, and a sink task on the same host.
            client("connect-1", "10.0.0.2", Set.of(), Set.of(), Set.of("etl"), "connect/sessioned"),
            client("etl-offsets", "10.0.0.2", Set.of("etl-offsets"), Set.of("etl-offsets"), Set.of(), null),
            client("etl-configs", "10.0.0.2", Set.of("etl-configs"), Set.of("etl-configs"), Set.of(), null),
            client("connector-consumer-sink-0", "10.0.0.2", Set.of(), Set.of("payments"), Set.of("connect-sink"), "consumer/range"),
            // MM2's replication consumer, by its client id.
            client("source->target|MirrorSourceConnector-0|replication-consumer", "10.0.0.3", Set.of(), Set.of("payments"), Set.of(), null),
            // Plain clients: a group's two members are one application; a producer; an admin.
            client("orders-1", "10.0.0.4", Set.of(), Set.of("orders"), Set.of("orders-app"), "consumer/range"),
            client("orders-2", "10.0.0.5", Set.of(), Set.of("orders"), Set.of("orders-app"), "consumer/range"),
            client("orders-producer", "10.0.0.4", Set.of("orders"), Set.of(), Set.of(), null),
            client("ops-tool", "10.0.0.6", Set.of(), Set.of(), Set.of(), null));

        Applications apps = Applications.of(clients);
        Map<String, Application> byKey = apps.all().stream().collect(Collectors.toMap(Application::key, Function.identity()));
        assertEquals(Set.of("kafka-streams:wordcount", "kafka-connect:etl", "mirrormaker2:source->target", "consumer:orders-app",
            "producer:orders-producer", "other:ops-tool"), byKey.keySet());

        Application streams = byKey.get("kafka-streams:wordcount");
        assertEquals(4, streams.clients().size());
        assertEquals(Set.of("wordcount-counts-repartition", "wordcount-store-changelog"), streams.internalTopics());
        assertEquals(Set.of("counts", "words", "wordcount-counts-repartition", "wordcount-store-changelog"), streams.topics());

        Application connect = byKey.get("kafka-connect:etl");
        assertEquals(4, connect.clients().size());
        assertEquals(Set.of("sink"), connect.connectors());
        assertEquals(Set.of("etl", "connect-sink"), connect.groups());
        assertEquals(Set.of("etl-configs", "etl-offsets"), connect.internalTopics());

        assertEquals(2, byKey.get("consumer:orders-app").clients().size());
        assertEquals(new Applications.Membership(ApplicationKind.KAFKA_STREAMS, "wordcount"), apps.of(clients.get(3)));
    }

    @Test
    void aStreamsClientIdOtherThanTheApplicationIdStillJoinsItsApplication() {
        // client.id set by the user: the prefix is not the application.id, the group is.
        List<ClientRecord.Snapshot> clients = List.of(
            client("my-client-" + PROCESS + "-StreamThread-2-consumer", "h", Set.of(), Set.of("in"), Set.of("billing"), "consumer/stream"),
            client("my-client-" + PROCESS + "-StreamThread-2-producer", "h", Set.of("billing-agg-changelog"), Set.of(), Set.of(), null));
        Applications apps = Applications.of(clients);
        assertEquals(1, apps.all().size());
        assertEquals("billing", apps.all().get(0).name());
        assertEquals(Set.of("billing-agg-changelog"), apps.all().get(0).internalTopics());
    }

    @Test
    void connectorTasksWithoutAKnownWorkerGoToAnUnnamedConnectCluster() {
        Applications apps = Applications.of(List.of(
            client("connector-producer-src-0", "h", Set.of("raw"), Set.of(), Set.of(), null)));
        assertEquals("kafka-connect:" + Applications.UNKNOWN_CONNECT_CLUSTER, apps.all().get(0).key());
        assertEquals(Set.of("src"), apps.all().get(0).connectors());
    }
}
