package io.cutover.proxy.server.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.routing.data.ProduceRequestInPlace;
import io.cutover.proxy.core.routing.data.ProducedTopics;
import io.cutover.proxy.core.routing.data.RequestScope;
import io.cutover.proxy.core.virtual.TopicIds;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.net.InetAddress;
import java.util.Set;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

/**
 * A Produce routed in place keeps, on its in-flight slot, what a wave's drain and transaction
 * tracking read of it: its topics and transactional id, copied out of the router's per-thread
 * holder so the next request cannot change them.
 */
class InFlightProduceTest {
    private static ProducedTopics routeInPlace(String transactionalId, String... topics) throws Exception {
        ProduceRequestData r = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(1000).setTransactionalId(transactionalId);
        for (String t : topics) {
            r.topicData().add(new ProduceRequestData.TopicProduceData().setName(t));
        }
        RequestHeaderData h = new RequestHeaderData().setRequestApiKey(ApiKeys.PRODUCE.id).setRequestApiVersion((short) 12)
            .setCorrelationId(1).setClientId("app");
        ByteBuf frame = MessageCodec.encodeRequest(UnpooledByteBufAllocator.DEFAULT, h, r);
        // No rules: topics and transactional ids all route to the default cluster, this connection's.
        var routes = RouteTable.initial().forClient(new ClientSelector.ClientIdentity("app", InetAddress.getLoopbackAddress()));
        try {
            return ProduceRequestInPlace.tryRoute(frame, (short) 12,
                new RequestScope(routes.defaultCluster(), routes, new TopicIds(), true, null, null, null, null));
        } finally {
            frame.release();
        }
    }

    @Test
    void aSlotKeepsWhatAProduceRoutedInPlaceNames() throws Exception {
        InFlightRequest slot = new InFlightRequest();
        slot.set(1, ApiKeys.PRODUCE.id, (short) 12, 0L, false);
        slot.produced(routeInPlace("txn-1", "orders", "payments"));
        routeInPlace(null, "other"); // the router's holder moves on to the next request

        assertTrue(slot.producedKnown);
        assertEquals("txn-1", slot.produced.transactionalId(), "its transactional id survives the router's next request");
        assertTrue(slot.produced.namesAny(Set.of("payments")), "a drain for payments waits for it");
        assertFalse(slot.produced.namesAny(Set.of("other")), "a drain for other does not");

        slot.set(2, ApiKeys.PRODUCE.id, (short) 12, 0L, false);
        assertFalse(slot.producedKnown, "the slot's next request is not known to be in place");

        slot.produced(routeInPlace(null, "other"));
        assertNull(slot.produced.transactionalId(), "not transactional");
        assertEquals(1, slot.produced.size(), "names of the slot's earlier request are gone");
    }
}
