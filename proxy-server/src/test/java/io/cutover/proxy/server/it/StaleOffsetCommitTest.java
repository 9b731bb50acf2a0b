package io.cutover.proxy.server.it;

import static io.cutover.proxy.server.it.WaveSwitchTest.createReady;
import static io.cutover.proxy.server.it.WaveSwitchTest.json;
import static io.cutover.proxy.server.it.WaveSwitchTest.mirrored;
import static io.cutover.proxy.server.it.WaveSwitchTest.proxyWithMirror;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.core.state.Failpoints;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.embedded.EmbeddedMirrorMaker;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RawKafkaClient;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.wave.WriteFence;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An OffsetCommit the wave's fence held while the switch carried the group's offsets is a commit
 * of positions on the source. Once the group has moved it must fail for good, not be sent after the
 * group to the target, where it would replace what the switch carried: the 50-switch soak saw a
 * KIP-848 member's commit retried that way land on the target and its group read 29,555 records
 * again.
 */
@ExtendWith(KafkaClusterExtension.class)
class StaleOffsetCommitTest {
    private static final short FIND_COORDINATOR_VERSION = 4;
    private static final short OFFSET_COMMIT_VERSION = 9;
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @Test
    void aCommitHeldAcrossTheSwitchFailsAndNeverReplacesTheCarriedOffsets(EmbeddedKafkaCluster source,
                                                                         @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        String topic = Clients.unique("stale-commit");
        String group = Clients.unique("stale-commit");
        TopicPartition partition = new TopicPartition(topic, 0);
        try (EmbeddedMirrorMaker mm = mirrored(source, target, topic);
             RunningProxy proxy = proxyWithMirror(source, target, mm, Map.of())) {
            try (KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), Map.of())) {
                for (int i = 0; i < 300; i++) {
                    producer.send(new ProducerRecord<>(topic, 0, "k", "v-" + i));
                }
                producer.flush();
            }
            // A commit on the source before the switch, retried as a client would while the coordinator settles.
            RawKafkaClient member = Await.until("a commit on the source before the switch", DEADLINE, () -> {
                RawKafkaClient c = RawKafkaClient.connect(coordinatorOf(proxy.bootstrapServers(), group));
                if (commit(c, group, topic, 100) == Errors.NONE) {
                    return c;
                }
                c.close();
                return null;
            }, c -> c != null);
            try {
                createReady(proxy, "stale", topic, List.of(group));

                // The switch stops once it has carried the group's offsets, its fence up, until the
                // member's next commit is held by that fence.
                CountDownLatch carried = new CountDownLatch(1);
                CountDownLatch commitHeld = new CountDownLatch(1);
                Failpoints.observe(point -> {
                    if (point.equals("switch.groups-carried")) {
                        carried.countDown();
                        await(commitHeld, "the member's commit to be held");
                    }
                });
                CompletableFuture<HttpResponse<String>> switching;
                try {
                    switching = CompletableFuture.supplyAsync(() -> proxy.send("POST", "/waves/stale/switch", null, Map.of()));
                    await(carried, "the switch to carry the group's offsets");
                    int correlationId = member.send(ApiKeys.OFFSET_COMMIT, OFFSET_COMMIT_VERSION, commitRequest(group, topic, 150));
                    WriteFence fence = proxy.server().fences().active();
                    assertNotNull(fence, "the switch's fence stands");
                    Await.until("the fence holds the member's commit", DEADLINE, () -> fence.heldRequests() >= 1);
                    commitHeld.countDown();

                    HttpResponse<String> switched = switching.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
                    assertEquals(200, switched.statusCode(), switched.body());
                    JsonNode report = json(switched).get("lastSwitch");
                    System.out.println("STALE-COMMIT switch " + report);
                    assertTrue(report.get("heldRequests").asInt() >= 1, "the commit was held by the fence: " + report);

                    RawKafkaClient.Response answer = member.receive(ApiKeys.OFFSET_COMMIT, OFFSET_COMMIT_VERSION);
                    assertEquals(correlationId, answer.correlationId());
                    Errors error = Errors.forCode(answer.as(OffsetCommitResponseData.class).topics().get(0).partitions().get(0).errorCode());
                    long carriedOffset = committed(target, group, partition);
                    System.out.println("STALE-COMMIT answer " + error + ", carried to the target " + carriedOffset);

                    // What a Kafka client does with a retriable answer: look the coordinator up again and resend.
                    if (error.exception() instanceof org.apache.kafka.common.errors.RetriableException) {
                        try (RawKafkaClient retry = RawKafkaClient.connect(coordinatorOf(proxy.bootstrapServers(), group))) {
                            System.out.println("STALE-COMMIT retried on the target: " + commit(retry, group, topic, 150)
                                + "; the target's committed offset is now " + committed(target, group, partition));
                        }
                    }
                    assertEquals(Errors.UNKNOWN_MEMBER_ID, error, "the stale commit failed for good (CommitFailedException in a Java client)");
                    assertNotEquals(150, carriedOffset, "the target holds what the switch carried, not the stale commit");
                    assertEquals(carriedOffset, committed(target, group, partition), "nothing replaced the carried offset");
                } finally {
                    commitHeld.countDown();
                    Failpoints.observe(null);
                }
            } finally {
                member.close();
            }
        }
    }

    private static void await(CountDownLatch latch, String what) {
        try {
            if (!latch.await(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError("timed out waiting for " + what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** host:port of the group's coordinator, as the proxy names it, once the cluster has one (its offsets topic made). */
    private static String coordinatorOf(String bootstrap, String group) {
        return Await.until("a coordinator for " + group, DEADLINE, () -> {
            try (RawKafkaClient client = RawKafkaClient.connect(bootstrap)) {
                client.send(ApiKeys.FIND_COORDINATOR, FIND_COORDINATOR_VERSION, new FindCoordinatorRequestData()
                    .setKeyType(FindCoordinatorRequest.CoordinatorType.GROUP.id()).setCoordinatorKeys(List.of(group)));
                FindCoordinatorResponseData.Coordinator c = client.receive(ApiKeys.FIND_COORDINATOR, FIND_COORDINATOR_VERSION)
                    .as(FindCoordinatorResponseData.class).coordinators().get(0);
                return c.errorCode() == Errors.NONE.code() ? c.host() + ":" + c.port() : null;
            }
        }, address -> address != null);
    }

    /** A commit as a consumer that is no member (generation -1) sends it: a group without members takes it. */
    private static OffsetCommitRequestData commitRequest(String group, String topic, long offset) {
        return new OffsetCommitRequestData().setGroupId(group).setMemberId("").setGenerationIdOrMemberEpoch(-1)
            .setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(topic).setPartitions(List.of(
                new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(offset)))));
    }

    private static Errors commit(RawKafkaClient client, String group, String topic, long offset) {
        client.send(ApiKeys.OFFSET_COMMIT, OFFSET_COMMIT_VERSION, commitRequest(group, topic, offset));
        return Errors.forCode(client.receive(ApiKeys.OFFSET_COMMIT, OFFSET_COMMIT_VERSION).as(OffsetCommitResponseData.class)
            .topics().get(0).partitions().get(0).errorCode());
    }

    private static long committed(EmbeddedKafkaCluster cluster, String group, TopicPartition partition) throws Exception {
        try (Admin admin = Clients.admin(cluster.bootstrapServers())) {
            OffsetAndMetadata o = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                .get(partition);
            return o == null ? -1 : o.offset();
        }
    }
}
