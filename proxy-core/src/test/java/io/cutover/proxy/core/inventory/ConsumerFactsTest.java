package io.cutover.proxy.core.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

class ConsumerFactsTest {
    private static ClientInventory inventory(int cap) {
        return new ClientInventory(cap, Duration.ofHours(1), Clock.systemUTC(), null);
    }

    @Test
    void aConsumerThatJoinedOnOneInstanceAndFetchedOnAnotherIsNotGroupless() {
        ClientInventory coordinatorSide = inventory(100);
        coordinatorSide.connected("app-1", "10.0.0.1:1000", "source").used(ApiKeys.JOIN_GROUP.id);
        ClientInventory fetchSide = inventory(100);
        fetchSide.connected("app-1", "10.0.0.2:2000", "source").fetched("orders");

        assertEquals(Set.of("app-1"), fetchSide.consumerFacts("p1").groupless(Set.of("orders")),
            "alone, the fetching instance cannot tell");
        ConsumerFacts fleet = fetchSide.consumerFacts("p1").merge(coordinatorSide.consumerFacts("p0"));
        assertEquals(Set.of(), fleet.groupless(Set.of("orders")));
        assertEquals(Set.of("p0", "p1"), fleet.sources());
    }

    @Test
    void aGrouplessConsumerSeenByAnotherInstanceIsReportedWithTheGroupItCommitsUnder() {
        ClientInventory here = inventory(100);
        here.connected("producer", "a:1", "source").produced("orders");
        ClientInventory there = inventory(100);
        ClientRecord flink = there.connected("flink-7", "b:2", "source");
        flink.fetched("orders");
        flink.group("checkpoints");

        ConsumerFacts fleet = here.consumerFacts("p0").merge(there.consumerFacts("p2"));
        assertEquals(Set.of("flink-7 (commits under checkpoints without joining)"), fleet.groupless(Set.of("orders")));
        assertEquals(Set.of(), fleet.groupless(Set.of("payments")), "only the wave's topics count");
    }

    @Test
    void aClassicMemberThatOnlyHeartbeatsIsNotGroupless() {
        // What a proxy restarted under a classic member sees: the member never joins again, it heartbeats and fetches.
        ClientInventory restarted = inventory(100);
        ClientRecord member = restarted.connected("app-1", "10.0.0.1", "source");
        member.used(ApiKeys.HEARTBEAT.id);
        member.fetched("orders");
        member.group("billing");
        ClientRecord assigner = restarted.connected("flink-7", "10.0.0.2", "source");
        assigner.used(ApiKeys.OFFSET_COMMIT.id);
        assigner.fetched("orders");
        assigner.group("billing");

        assertEquals(Set.of("flink-7 (commits under billing without joining)"), restarted.consumerFacts("p0").groupless(Set.of("orders")));
    }

    @Test
    void factsSurviveTheirJsonForm() {
        ClientInventory inv = inventory(100);
        ClientRecord joined = inv.connected("member", "a:1", "source");
        joined.used(ApiKeys.CONSUMER_GROUP_HEARTBEAT.id);
        joined.fetched("orders");
        inv.connected("assigner", "a:2", "source").fetched("orders");

        ConsumerFacts read = ConsumerFacts.fromJson("p3", inv.consumerFacts("p3").toJson());
        assertEquals(2, read.size());
        assertEquals(Set.of("assigner"), read.groupless(Set.of("orders")));
        assertEquals(Set.of("p3"), read.sources());
        assertFalse(read.truncated());
    }

    @Test
    void anInstanceTellsAboutAtMostItsCapAndSaysSo() {
        ClientInventory inv = inventory(100);
        for (int i = 0; i < 10; i++) {
            inv.connected("c" + i, "a:" + i, "source").fetched("orders");
        }
        ConsumerFacts few = ConsumerFacts.of("p0", inv.snapshot(), 4);
        assertEquals(4, few.size());
        assertTrue(few.truncated());
        assertTrue(ConsumerFacts.fromJson("p0", few.toJson()).truncated());
        assertTrue(few.merge(inv.consumerFacts("p1")).truncated(), "a merge keeps the doubt");
    }
}
