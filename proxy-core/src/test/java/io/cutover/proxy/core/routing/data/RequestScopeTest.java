package io.cutover.proxy.core.routing.data;

import static io.cutover.proxy.core.routing.data.DataScopes.MOVED;
import static io.cutover.proxy.core.routing.data.DataScopes.STAYS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.routing.ClientRoutes;
import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.core.routing.MatchType;
import io.cutover.proxy.core.routing.ResourceType;
import io.cutover.proxy.core.routing.RouteRule;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.virtual.TopicIds;
import java.net.InetAddress;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** RequestScope, and the two small results routing hands back: Misrouted and Routed. */
class RequestScopeTest {
    private final DataScopes scopes = new DataScopes();

    @Test
    void aTopicMovedAwayFromTheConnectionsClusterOnly() {
        assertTrue(scopes.routing("source").movedAway(MOVED));
        assertFalse(scopes.routing("source").movedAway(STAYS));
        assertTrue(scopes.routing("target").movedAway(STAYS));
        assertFalse(scopes.routing("target").movedAway(MOVED));
    }

    @Test
    void aRuleForSomeClientsMovesTheTopicForThemOnly() throws Exception {
        RouteTable table = RouteTable.initial()
            .withRule(new RouteRule(ResourceType.TOPIC, MatchType.PREFIX, "ord", ClientSelector.of("canary-", null), "target"));
        ClientRoutes canary = table.forClient(new ClientSelector.ClientIdentity("canary-1", InetAddress.getLoopbackAddress()));
        ClientRoutes other = table.forClient(new ClientSelector.ClientIdentity("app", InetAddress.getLoopbackAddress()));
        assertTrue(new RequestScope("source", canary, new TopicIds(), true, null, null, null, null).movedAway(STAYS));
        assertFalse(new RequestScope("source", other, new TopicIds(), true, null, null, null, null).movedAway(STAYS));
    }

    @Test
    void misroutedKeepsEachPartitionAndItsErrorInOrder() {
        Misrouted m = new Misrouted();
        assertTrue(m.isEmpty());
        m.add("a", Uuid.ZERO_UUID, 1, Errors.NOT_LEADER_OR_FOLLOWER.code());
        m.add("b", new Uuid(3, 4), 0, Errors.UNKNOWN_TOPIC_ID.code());
        assertFalse(m.isEmpty());
        assertEquals(new Misrouted.Partition("a", Uuid.ZERO_UUID, 1, Errors.NOT_LEADER_OR_FOLLOWER.code()), m.partitions().get(0));
        assertEquals(new Misrouted.Partition("b", new Uuid(3, 4), 0, Errors.UNKNOWN_TOPIC_ID.code()), m.partitions().get(1));
    }

    @Test
    void onlyAChangedRequestWithNothingToForwardForwardsNothing() {
        assertFalse(Routed.UNCHANGED.forwardsNothing(), "unchanged: the original bytes go");
        assertNull(Routed.UNCHANGED.forward());
        assertTrue(new Routed(null, true, new Misrouted()).forwardsNothing());
        assertFalse(new Routed(new ProduceRequestData(), true, null).forwardsNothing());
    }
}
