package io.cutover.proxy.server.it;

import io.cutover.proxy.core.state.FileProducerIdStore;
import io.cutover.proxy.core.virtual.ProducerIdRecord;
import io.cutover.proxy.server.route.RoutingState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.proxy.core.node.PortRange;
import io.cutover.proxy.server.cli.Main;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cutover-proxy fleet import}: a single instance's route table, node ports and cluster id
 * move into the fleet's state topic, and the first fleet instance (an empty state directory) serves
 * exactly them; importing again is a no-op, and importing different state into that fleet is refused.
 */
@ExtendWith(KafkaClusterExtension.class)
class FleetImportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aSingleInstancesStateMovesIntoTheFleetOnceAndIsNeverOverwritten(EmbeddedKafkaCluster source,
                                                                        @Brokers(name = "target") EmbeddedKafkaCluster target,
                                                                        @TempDir Path dir) throws Exception {
        String stateTopic = Clients.unique("fleet-import");
        JsonNode routes;
        Map<Integer, Integer> ports;
        PortRange range;
        String clusterId;
        Path single;
        try (RunningProxy alone = RunningProxy.routing(source, target, Map.of())) {
            alone.flip("topic", "orders", "target");
            alone.flip("group", "billing", "target");
            HttpResponse<String> wave = alone.send("POST", "/waves", "{\"name\":\"invoices\",\"topics\":[\"invoices\"]}", Map.of());
            assertEquals(201, wave.statusCode(), wave.body());
            routes = JSON.readTree(alone.send("GET", "/routes", null, Map.of()).body());
            ports = ports(alone);
            range = alone.server().config().listener().brokerPorts();
            clusterId = clusterId(alone);
            single = alone.stateDir();
        }
        assertEquals(2, routes.get("version").asInt());
        // A producer that wrote the moved topic through the single instance: its mapping to a target id moves too.
        FileProducerIdStore journal = new FileProducerIdStore(single, RoutingState.PRODUCER_ID_RETENTION, java.time.Clock.systemUTC());
        journal.save(new ProducerIdRecord.Placement(4242L, "orders", "target", 777L, System.currentTimeMillis()));
        journal.close();

        Path config = dir.resolve("import.conf");
        Files.writeString(config, hocon(source, target, single, stateTopic));
        Run first = run("fleet", "import", "--config", config.toString());
        assertEquals(0, first.code, first.toString());
        assertTrue(first.out.contains("routes: imported (version 2)") && first.out.contains("node-ports: imported")
            && first.out.contains("cluster-id: imported") && first.out.contains("wave/invoices: imported")
            && first.out.contains("producer ids: 1 imported"), first.toString());
        Run again = run("fleet", "import", "--config", config.toString());
        assertEquals(0, again.code, again.toString());
        assertTrue(again.out.contains("routes: already in the fleet, the same")
            && again.out.contains("producer ids: 0 imported, 1 already in the fleet"), again.toString());

        Map<String, Object> fleet = new HashMap<>(Map.of("fleet.enabled", true, "fleet.state-topic", stateTopic,
            "fleet.replication-factor", 1, "fleet.min-insync-replicas", 1, "fleet.instance-id", "first"));
        fleet.put("listener.broker-ports.first", range.first());
        fleet.put("listener.broker-ports.last", range.last());
        try (RunningProxy first1 = RunningProxy.routing(source, target, fleet)) {
            assertEquals(routes, JSON.readTree(first1.send("GET", "/routes", null, Map.of()).body()));
            assertEquals(clusterId, clusterId(first1));
            assertEquals(ports, ports(first1));
            JsonNode wave = JSON.readTree(first1.send("GET", "/waves/invoices", null, Map.of()).body());
            assertEquals("PLANNED", wave.path("state").asText(), wave.toString());
            assertEquals(777L, first1.server().routing().producers().existingRealFor(4242L, "target", "orders"),
                "the fleet writes the producer's batches under the real id it had");
            // The fleet goes on from the imported version.
            first1.flip("topic", "payments", "target");
            assertEquals(3, JSON.readTree(first1.send("GET", "/routes", null, Map.of()).body()).get("version").asInt());
        }

        // The single instance's (older) table differs from the fleet's now: refused, the fleet keeps its own.
        Run refused = run("fleet", "import", "--config", config.toString());
        assertEquals(1, refused.code, refused.toString());
        assertTrue(refused.err.contains("routes: the fleet already holds a different one (version 3"), refused.toString());

        Files.writeString(dir.resolve("off.conf"), hocon(source, target, single, stateTopic).replace("enabled = true", "enabled = false"));
        Run off = run("fleet", "import", "--config", dir.resolve("off.conf").toString());
        assertEquals(2, off.code, off.toString());
        assertTrue(off.err.contains("fleet.enabled = false"), off.toString());
    }

    private static String hocon(EmbeddedKafkaCluster source, EmbeddedKafkaCluster target, Path stateDir, String topic) {
        return "cutover-proxy {\n"
            + "  clusters.source.bootstrap-servers = [\"" + source.bootstrapServers() + "\"]\n"
            + "  clusters.target.bootstrap-servers = [\"" + target.bootstrapServers() + "\"]\n"
            + "  state-dir = \"" + stateDir.toString().replace("\\", "\\\\") + "\"\n"
            + "  fleet { enabled = true, state-topic = \"" + topic + "\", replication-factor = 1, min-insync-replicas = 1 }\n"
            + "}\n";
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String clusterId(RunningProxy proxy) throws Exception {
        try (Admin admin = Clients.admin(proxy.bootstrapServers())) {
            return admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
        }
    }

    private static Map<Integer, Integer> ports(RunningProxy proxy) {
        Map<Integer, Integer> out = new TreeMap<>();
        proxy.server().nodes().nodes().forEach(n -> out.put(n.id(), n.port()));
        return out;
    }
}
