package io.cutover.proxy.server.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UncertainWritesTest {
    private static final long S = 1_000_000_000L;
    private final UncertainWrites writes = new UncertainWrites(Duration.ofSeconds(30), 3);

    @Test
    void aWriteHoldsItsTopicOnItsClusterUntilItSettles() {
        writes.record("source", "orders", 10 * S, 0, "closed");
        assertEquals(10 * S, writes.latest("source", Set.of("orders", "payments"), 5 * S).settlesAtNanos());
        assertNull(writes.latest("source", Set.of("payments"), 5 * S), "another topic");
        assertNull(writes.latest("target", Set.of("orders"), 5 * S), "another cluster");
        assertNull(writes.latest("source", Set.of("orders"), 10 * S), "settled");
    }

    @Test
    void theLaterOfTwoWritesToOneTopicCounts() {
        writes.record("source", "orders", 10 * S, 0, "first");
        writes.record("source", "orders", 20 * S, 0, "second");
        writes.record("source", "orders", 15 * S, 0, "third");
        UncertainWrites.Pending p = writes.latest("source", Set.of("orders"), 0);
        assertEquals(20 * S, p.settlesAtNanos());
        assertEquals("second", p.reason());
    }

    @Test
    void aClientsTimeoutIsCappedAtTheWindow() {
        writes.record("source", "orders", Long.MAX_VALUE / 2, 7 * S, "asked for days");
        assertEquals(37 * S, writes.latest("source", Set.of("orders"), 7 * S).settlesAtNanos());
    }

    @Test
    void aWriteOfUnknownTopicsHoldsEveryTopicOfItsCluster() {
        writes.record("source", null, 10 * S, 0, "not decoded");
        assertNotNull(writes.latest("source", Set.of("anything"), 0));
        assertNull(writes.latest("target", Set.of("anything"), 0));
    }

    @Test
    void pastItsBoundNewTopicsStandForTheWholeClusterAndSettledOnesMakeRoom() {
        writes.record("source", "a", 10 * S, 0, "r");
        writes.record("source", "b", 10 * S, 0, "r");
        writes.record("source", "c", 10 * S, 0, "r");
        writes.record("source", "d", 20 * S, 0, "r");
        assertEquals(4, writes.size(), "three topics and one entry for all of source");
        assertEquals(20 * S, writes.latest("source", Set.of("z"), 0).settlesAtNanos(), "d counts for every topic of source");
        // Once a, b and c have settled they make room: e gets its own entry again.
        writes.record("source", "e", 30 * S, 11 * S, "r");
        assertEquals(2, writes.size());
        assertEquals(30 * S, writes.latest("source", Set.of("e"), 11 * S).settlesAtNanos());
        assertEquals(20 * S, writes.latest("source", Set.of("z"), 11 * S).settlesAtNanos());
    }

    @Test
    void aWriteAlreadySettledIsNotKept() {
        writes.record("source", "orders", 5 * S, 6 * S, "r");
        assertEquals(0, writes.size());
    }
}
