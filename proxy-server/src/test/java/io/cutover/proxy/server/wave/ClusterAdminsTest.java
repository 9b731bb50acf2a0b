package io.cutover.proxy.server.wave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.config.ClusterConfig;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.Topics;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Reading groups' committed offsets: what was committed, nothing for no group, and an error when they cannot be read. */
@ExtendWith(KafkaClusterExtension.class)
class ClusterAdminsTest {

    private static ClusterConfig cluster(String name, String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new ClusterConfig(name, List.of(new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)))), 0);
    }

    /** A one-partition topic, and a group that committed offset 0 of it and has no member. */
    private static TopicPartition committedWithoutMembers(EmbeddedKafkaCluster cluster, String topic, String group) throws Exception {
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = Clients.admin(cluster.bootstrapServers())) {
            Topics.create(admin, new NewTopic(topic, 1, (short) 1));
            admin.alterConsumerGroupOffsets(group, Map.of(tp, new OffsetAndMetadata(0))).all().get();
        }
        return tp;
    }

    @Test
    void readsTheOffsetsAGroupCommittedAndNothingForAGroupThatNeverCommitted(EmbeddedKafkaCluster source) throws Exception {
        String topic = Clients.unique("committed");
        String group = Clients.unique("group");
        TopicPartition tp = committedWithoutMembers(source, topic, group);
        try (ClusterAdmins admins = new ClusterAdmins(List.of(cluster("source", source.bootstrapServers())), Duration.ofSeconds(20))) {
            assertEquals(Map.of(tp, 0L), admins.committed("source", group, Set.of(topic)));
            assertEquals(Map.of(), admins.committed("source", Clients.unique("never-committed"), Set.of(topic)));
        }
    }

    @Test
    void removingTheMembersOfAGroupWithNoneLeftSucceeds(EmbeddedKafkaCluster source) throws Exception {
        // The soak met it: a member left between the admin client's describe and its removal, and the
        // removal failed though none was left. A group whose members are all gone is the same ask.
        String group = Clients.unique("left-group");
        committedWithoutMembers(source, Clients.unique("left"), group);
        try (ClusterAdmins admins = new ClusterAdmins(List.of(cluster("source", source.bootstrapServers())), Duration.ofSeconds(20))) {
            admins.removeMembers("source", group);
            assertEquals(Set.of(), admins.withMembers("source", List.of(group)));
        }
    }

    @Test
    void aGroupWhoseOffsetsCannotBeReadIsAnErrorNamingTheGroupNotAnEmptyMap() throws Exception {
        // A cluster whose coordinator cannot be reached: the port was just free, so nothing answers there.
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String group = Clients.unique("unreadable");
        try (ClusterAdmins admins = new ClusterAdmins(List.of(cluster("source", "127.0.0.1:" + port)), Duration.ofSeconds(2))) {
            ClusterAdmins.ClusterCallException e = assertThrows(ClusterAdmins.ClusterCallException.class,
                () -> admins.committed("source", group, Set.of("orders")));
            assertTrue(e.getMessage().contains("group " + group) && e.getMessage().contains("source"), e.getMessage());
            // The admin gives up on finding the coordinator, or the proxy on waiting for it: either way a timeout, said so.
            assertTrue(e.getMessage().toLowerCase(java.util.Locale.ROOT).matches(".*(timed out|no answer within).*"),
                "says what went wrong: " + e.getMessage());
        }
    }
}
