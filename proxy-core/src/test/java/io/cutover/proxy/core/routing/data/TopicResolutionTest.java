package io.cutover.proxy.core.routing.data;

import static io.cutover.proxy.core.routing.data.DataScopes.MOVED;
import static io.cutover.proxy.core.routing.data.DataScopes.ORDERS_ON_SOURCE;
import static io.cutover.proxy.core.routing.data.DataScopes.ORDERS_ON_TARGET;
import static io.cutover.proxy.core.routing.data.DataScopes.STAYS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** The one place a Fetch's or a Produce's topic is resolved: name, cluster, real id. */
class TopicResolutionTest {
    private static final short BY_NAME = 12;
    private static final short BY_ID = 13;

    private final DataScopes scopes = new DataScopes();

    @Test
    void topicIdsAreNamedFromVersion13() {
        assertFalse(TopicResolution.byId(BY_NAME));
        assertTrue(TopicResolution.byId(BY_ID));
    }

    @Test
    void aTopicByNameThatStaysGoesUpstreamAsTheClientNamedIt() {
        TopicResolution t = TopicResolution.of(scopes.routing("source"), BY_NAME, STAYS, Uuid.ZERO_UUID);
        assertTrue(t.routed());
        assertEquals(STAYS, t.name());
        assertNull(t.realId(), "by name there is no id to replace");
    }

    @Test
    void aTopicByIdGetsTheConnectionsClusterRealIdWhenVirtualising() {
        Uuid virtual = scopes.virtual(STAYS);
        TopicResolution onSource = TopicResolution.of(scopes.routing("source"), BY_ID, "", virtual);
        assertTrue(onSource.routed());
        assertEquals(STAYS, onSource.name(), "the name comes from the virtual id, not from the request");
        assertEquals(ORDERS_ON_SOURCE, onSource.realId());
    }

    @Test
    void withoutVirtualisingTheClientsIdGoesAsItIs() {
        TopicResolution t = TopicResolution.of(scopes.plain("source"), BY_ID, "", scopes.virtual(STAYS));
        assertTrue(t.routed());
        assertNull(t.realId());
    }

    @Test
    void aTopicThatRoutesElsewhereIsNotLeaderHere() {
        TopicResolution byName = TopicResolution.of(scopes.routing("source"), BY_NAME, MOVED, Uuid.ZERO_UUID);
        assertFalse(byName.routed());
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), byName.error());
        TopicResolution byId = TopicResolution.of(scopes.routing("source"), BY_ID, "", scopes.virtual(MOVED));
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), byId.error());
        assertEquals(MOVED, byId.name());
        assertNull(byId.realId(), "nothing goes upstream");
    }

    @Test
    void aTopicMovedToThisConnectionsClusterGoesUpstreamWithThatClustersId() {
        TopicResolution t = TopicResolution.of(scopes.routing("target"), BY_ID, "", scopes.virtual(STAYS));
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), t.error(), STAYS + " routes to source");
        TopicResolution moved = TopicResolution.of(scopes.routing("target"), BY_ID, "", scopes.virtual(MOVED));
        assertTrue(moved.routed());
        assertEquals(DataScopes.PAYMENTS_ON_TARGET, moved.realId());
        assertEquals(ORDERS_ON_TARGET, scopes.ids.realOfVirtual("target", scopes.virtual(STAYS)), "ids are per cluster");
    }

    @Test
    void anUnknownIdIsUnknownTopicId() {
        TopicResolution t = TopicResolution.of(scopes.routing("source"), BY_ID, "", new Uuid(9, 9));
        assertFalse(t.routed());
        assertNull(t.name());
        assertEquals(Errors.UNKNOWN_TOPIC_ID.code(), t.error());
    }

    @Test
    void anIdThisClusterHasNotLearntIsUnknownTopicId() {
        scopes.ids.learn("target", "fresh", new Uuid(2, 7));
        TopicResolution t = TopicResolution.of(scopes.routing("source"), BY_ID, "", scopes.virtual("fresh"));
        assertFalse(t.routed(), "known from target only; source's id not learnt yet");
        assertEquals("fresh", t.name());
        assertNull(t.realId());
        assertEquals(Errors.UNKNOWN_TOPIC_ID.code(), t.error());
    }
}
