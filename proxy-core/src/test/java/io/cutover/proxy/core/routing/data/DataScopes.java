package io.cutover.proxy.core.routing.data;

import io.cutover.proxy.core.routing.ClientRoutes;
import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.core.routing.MatchType;
import io.cutover.proxy.core.routing.ResourceType;
import io.cutover.proxy.core.routing.RouteRule;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.virtual.TopicIds;
import java.net.InetAddress;
import org.apache.kafka.common.Uuid;

/**
 * A route table snapshot that keeps everything on "source" except the topic {@value #MOVED}, the
 * group {@value #MOVED_GROUP} and the transactional id {@value #MOVED_TXN}, which route to "target";
 * and topic ids learnt as the proxy learns them from both clusters' metadata. Real ids differ per
 * cluster and from the virtual ones, so every translation shows in an assertion.
 */
final class DataScopes {
    static final String STAYS = "orders";
    static final String MOVED = "payments";
    static final String MOVED_GROUP = "billing";
    static final String MOVED_TXN = "billing-txn";
    static final Uuid ORDERS_ON_SOURCE = new Uuid(1, 1);
    static final Uuid ORDERS_ON_TARGET = new Uuid(2, 1);
    static final Uuid PAYMENTS_ON_SOURCE = new Uuid(1, 2);
    static final Uuid PAYMENTS_ON_TARGET = new Uuid(2, 2);

    final TopicIds ids = new TopicIds();
    final ClientRoutes routes;

    DataScopes() {
        RouteTable table = RouteTable.initial()
            .withRule(new RouteRule(ResourceType.TOPIC, MatchType.EXACT, MOVED, ClientSelector.ANY, "target"))
            .withRule(new RouteRule(ResourceType.GROUP, MatchType.EXACT, MOVED_GROUP, ClientSelector.ANY, "target"))
            .withRule(new RouteRule(ResourceType.TRANSACTIONAL_ID, MatchType.EXACT, MOVED_TXN, ClientSelector.ANY, "target"));
        routes = table.forClient(new ClientSelector.ClientIdentity("app", InetAddress.getLoopbackAddress()));
        ids.learn("source", STAYS, ORDERS_ON_SOURCE);
        ids.learn("target", STAYS, ORDERS_ON_TARGET);
        ids.learn("source", MOVED, PAYMENTS_ON_SOURCE);
        ids.learn("target", MOVED, PAYMENTS_ON_TARGET);
    }

    Uuid virtual(String topic) {
        return ids.virtualId(topic);
    }

    /** A connection to {@code cluster} in routing mode (identities virtualised), without producer id mapping. */
    RequestScope routing(String cluster) {
        return new RequestScope(cluster, routes, ids, true, null, null, null, null);
    }

    /** A connection to {@code cluster} with one cluster's identities passed through. */
    RequestScope plain(String cluster) {
        return new RequestScope(cluster, routes, ids, false, null, null, null, null);
    }
}
