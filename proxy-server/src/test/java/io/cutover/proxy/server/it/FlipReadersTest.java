package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.Topics;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A plain route change carries no consumer offsets, so moving a topic that a group reads would apply
 * the group's source offsets to the target's log (a kafkajs group skipped 1,718 of 4,000 records that
 * way). Such a flip is refused, naming the group and the fetching clients, unless forced.
 */
@ExtendWith(KafkaClusterExtension.class)
class FlipReadersTest {

    @Test
    void aFlipOfATopicThatAGroupReadsIsRefusedNamingItUnlessForced(EmbeddedKafkaCluster source,
                                                                   @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        String read = Clients.unique("read-topic");
        String read2 = Clients.unique("read-topic-2");
        String unread = Clients.unique("unread-topic");
        String group = Clients.unique("readers");
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of())) {
            try (Admin admin = Clients.admin(source.bootstrapServers())) {
                Topics.create(admin, new NewTopic(read, 1, (short) 1), new NewTopic(read2, 1, (short) 1),
                    new NewTopic(unread, 1, (short) 1));
            }
            try (KafkaProducer<String, String> p = Clients.producer(proxy.bootstrapServers(), Map.of())) {
                p.send(new ProducerRecord<>(read, "k", "v")).get(30, TimeUnit.SECONDS);
                p.send(new ProducerRecord<>(read2, "k", "v")).get(30, TimeUnit.SECONDS);
            }
            try (KafkaConsumer<String, String> c = Clients.consumer(proxy.bootstrapServers(), group,
                Map.of(ConsumerConfig.CLIENT_ID_CONFIG, "reader-app-1", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
                c.subscribe(List.of(read, read2));
                Await.until("the group read and committed both topics", Duration.ofSeconds(60), () -> {
                    c.poll(Duration.ofMillis(200));
                    c.commitSync();
                    return c.assignment().size() == 2 && c.committed(c.assignment()).values().stream().allMatch(o -> o != null);
                });

                HttpResponse<String> refused = flip(proxy, read, false);
                assertEquals(409, refused.statusCode(), refused.body());
                assertTrue(refused.body().contains("group " + group), "names the group: " + refused.body());
                assertTrue(refused.body().contains("client reader-app-1"), "names the connected fetcher: " + refused.body());
                assertTrue(refused.body().contains("POST /waves"), "points to waves: " + refused.body());
                assertEquals(0, version(proxy), "nothing changed");

                // A topic nobody reads moves freely.
                assertEquals(200, flip(proxy, unread, false).statusCode());
            }
            // The member left, but its group's offsets still mean positions in the source's log.
            HttpResponse<String> stillRefused = flip(proxy, read, false);
            assertEquals(409, stillRefused.statusCode(), stillRefused.body());
            assertTrue(stillRefused.body().contains("group " + group), stillRefused.body());

            HttpResponse<String> forced = flip(proxy, read, true);
            assertEquals(200, forced.statusCode(), forced.body());

            // PUT /routes applies the same rule, with ?force=true as its way past it.
            long version = version(proxy);
            String table = "{\"rules\":[{\"resource\":\"topic\",\"pattern\":\"" + read + "\",\"cluster\":\"target\"},"
                + "{\"resource\":\"topic\",\"pattern\":\"" + read2 + "\",\"cluster\":\"target\"}]}";
            HttpResponse<String> put = proxy.send("PUT", "/routes", table, Map.of("If-Match", "\"" + version + "\""));
            assertEquals(409, put.statusCode(), put.body());
            assertTrue(put.body().contains(read2) && put.body().contains("group " + group), put.body());
            assertTrue(put.body().contains("POST /waves") && put.body().contains("?force=true"), "PUT's own way past it: " + put.body());
            HttpResponse<String> putForced = proxy.send("PUT", "/routes?force=true", table, Map.of("If-Match", "\"" + version + "\""));
            assertEquals(200, putForced.statusCode(), putForced.body());
            assertEquals(400, proxy.send("POST", "/routes/flip",
                "{\"resource\":\"topic\",\"pattern\":\"x\",\"cluster\":\"target\",\"force\":\"yes\"}", Map.of()).statusCode());
        }
    }

    private static long version(RunningProxy proxy) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(proxy.send("GET", "/routes", null, Map.of()).body())
            .get("version").asLong();
    }

    private static HttpResponse<String> flip(RunningProxy proxy, String topic, boolean force) {
        return proxy.send("POST", "/routes/flip", "{\"resource\":\"topic\",\"pattern\":\"" + topic + "\",\"cluster\":\""
            + "target\"" + (force ? ",\"force\":true" : "") + "}", Map.of());
    }
}
