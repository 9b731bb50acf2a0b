package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.state.AuditLog;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.TopicLog;
import io.cutover.proxy.server.testkit.Topics;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The fleet's audit trail: every instance appends each admin change to one never-compacted topic
 * on the state cluster, with its instance id, before it answers the change; the local audit.log
 * keeps its own copy. Real brokers, two proxies in this JVM.
 */
@ExtendWith(KafkaClusterExtension.class)
class FleetAuditTrailTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Map<String, Object> fleet(String stateTopic, String auditTopic, String instance, String tokenName) {
        Map<String, Object> m = new HashMap<>();
        m.put("fleet.enabled", true);
        m.put("fleet.state-topic", stateTopic);
        m.put("fleet.audit-topic", auditTopic);
        m.put("fleet.instance-id", instance);
        m.put("fleet.replication-factor", 1);
        m.put("fleet.min-insync-replicas", 1);
        // Named tokens, so the trail shows who acted through which instance.
        m.put("admin.tokens." + tokenName, tokenName + "-0123456789abcdef");
        return m;
    }

    private static String table(String topicPrefix, String cluster) {
        return "{\"rules\":[{\"resource\":\"topic\",\"match\":\"prefix\",\"pattern\":\"" + topicPrefix + "\",\"cluster\":\"" + cluster
            + "\"}]}";
    }

    private static long version(RunningProxy proxy) {
        try {
            return JSON.readTree(proxy.send("GET", "/routes", null, Map.of()).body()).get("version").asLong();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<JsonNode> trail(String bootstrap, String auditTopic) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (ConsumerRecord<String, String> r : TopicLog.records(bootstrap, auditTopic)) {
            JsonNode value = JSON.readTree(r.value());
            assertEquals(value.path("instance").asText(), r.key(), "each record is keyed by its instance: " + value);
            out.add(value);
        }
        return out;
    }

    /** The local audit.log's lines, which the trail's records must match but for their instance. */
    private static List<JsonNode> localLines(RunningProxy proxy) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(proxy.stateDir().resolve(AuditLog.FILE_NAME))) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    private static JsonNode withoutInstance(JsonNode record) {
        ObjectNode copy = record.deepCopy();
        copy.remove("instance");
        return copy;
    }

    @Test
    void changesThroughTwoInstancesLandInOneDeleteOnlyTopicInOrderWithTheirInstanceAndWho(
        EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        String stateTopic = Clients.unique("audit-state");
        String auditTopic = Clients.unique("audit-trail");
        String topic = Clients.unique("audit-orders");
        try (RunningProxy a = RunningProxy.routing(source, target, fleet(stateTopic, auditTopic, "a", "alice"));
             RunningProxy b = RunningProxy.routing(source, target, fleet(stateTopic, auditTopic, "b", "bob"))) {
            try (Admin admin = Clients.admin(source.bootstrapServers())) {
                ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, auditTopic);
                Config c = admin.describeConfigs(List.of(r)).all().get().get(r);
                assertEquals("delete", c.get("cleanup.policy").value(), "the audit trail is never compacted");
                assertEquals("-1", c.get("retention.ms").value(), "kept until an operator sets a retention");
                assertEquals(1, admin.describeTopics(List.of(auditTopic)).allTopicNames().get().get(auditTopic).partitions().size());
            }

            HttpResponse<String> viaA = a.send("PUT", "/routes", table(topic, "target"), Map.of("If-Match", "\"0\""));
            assertEquals(200, viaA.statusCode(), viaA.body());
            Await.until("b serves version 1", Duration.ofSeconds(30), () -> version(b) == 1);
            HttpResponse<String> viaB = b.send("PUT", "/routes", table(topic, "source"), Map.of("If-Match", "\"1\""));
            assertEquals(200, viaB.statusCode(), viaB.body());
            HttpResponse<String> wave = a.send("POST", "/waves", "{\"name\":\"w\",\"topics\":[\"" + topic + "\"]}", Map.of());
            assertEquals(201, wave.statusCode(), wave.body());

            // Each change was acknowledged only once in the topic, so reading it now finds all three, in order.
            List<JsonNode> trail = trail(source.bootstrapServers(), auditTopic);
            assertEquals(3, trail.size(), trail.toString());
            assertEquals(List.of("a", "b", "a"), trail.stream().map(n -> n.path("instance").asText()).toList());
            assertEquals(List.of("alice", "bob", "alice"), trail.stream().map(n -> n.path("who").asText()).toList());
            assertEquals(List.of("replace-routes", "replace-routes", "create-wave"),
                trail.stream().map(n -> n.path("action").asText()).toList());
            assertEquals(0, trail.get(0).path("before").path("version").asLong());
            assertEquals(1, trail.get(0).path("after").path("version").asLong());
            assertEquals(2, trail.get(1).path("after").path("version").asLong());
            assertEquals("w", trail.get(2).path("after").path("wave").asText());

            // The instance's own audit.log holds the same records, without the instance.
            assertEquals(List.of(withoutInstance(trail.get(0)), withoutInstance(trail.get(2))), localLines(a));
            assertEquals(List.of(withoutInstance(trail.get(1))), localLines(b));
        }
    }

    @Test
    void aCompactedTopicOfTheAuditTrailsNameStopsTheStart(EmbeddedKafkaCluster source,
                                                          @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        String stateTopic = Clients.unique("audit-state");
        String auditTopic = Clients.unique("audit-compacted");
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            Topics.create(admin, new NewTopic(auditTopic, 1, (short) 1).configs(Map.of("cleanup.policy", "compact")));
        }
        IllegalStateException refused = assertThrows(IllegalStateException.class,
            () -> RunningProxy.routing(source, target, fleet(stateTopic, auditTopic, "a", "alice")).close());
        assertTrue(refused.getMessage().contains("fleet.audit-topic " + auditTopic) && refused.getMessage().contains("compact"),
            refused.getMessage());
    }

    /**
     * A record the topic refuses fails the change as a failed local audit write does (500, naming
     * the topic); the local line is written first and stays, and the next change goes through once
     * the topic is fixed.
     */
    @Test
    void aChangeWhoseRecordTheTopicRefusesFailsNamingTheTopic(EmbeddedKafkaCluster source,
                                                             @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        String stateTopic = Clients.unique("audit-state");
        String auditTopic = Clients.unique("audit-unwritable");
        String topic = Clients.unique("audit-orders");
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, auditTopic);
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            // Batches larger than the topic allows: the broker refuses every record (MESSAGE_TOO_LARGE) until fixed.
            Topics.create(admin, new NewTopic(auditTopic, 1, (short) 1).configs(Map.of("max.message.bytes", "50")));
            try (RunningProxy a = RunningProxy.routing(source, target, fleet(stateTopic, auditTopic, "a", "alice"))) {
                HttpResponse<String> refused = a.send("PUT", "/routes", table(topic, "target"), Map.of("If-Match", "\"0\""));
                assertEquals(500, refused.statusCode(), refused.body());
                assertTrue(refused.body().contains("cannot append to the fleet audit topic " + auditTopic), refused.body());
                assertEquals(1, localLines(a).size(), "the instance's own copy is written before the topic is tried");

                admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", "1048588"),
                    AlterConfigOp.OpType.SET)))).all().get();
                // The route change itself was stored before its audit failed, as with a failed local write.
                assertEquals(1, version(a));
                // Until every broker applied the fix a change may be refused again: each try is a change of its own.
                HttpResponse<String> next = Await.until("the topic takes records again", Duration.ofSeconds(60),
                    () -> a.send("PUT", "/routes", table(topic + version(a), "source"), Map.of("If-Match", "\"" + version(a) + "\"")),
                    r -> r.statusCode() == 200);
                long accepted = JSON.readTree(next.body()).path("version").asLong();
                List<JsonNode> trail = trail(source.bootstrapServers(), auditTopic);
                assertEquals("a", trail.get(trail.size() - 1).path("instance").asText());
                assertEquals(accepted, trail.get(trail.size() - 1).path("after").path("version").asLong());
                assertTrue(trail.stream().noneMatch(n -> n.path("after").path("version").asLong() == 1),
                    "the refused record is not in the trail: " + trail);
            }
        }
    }
}
