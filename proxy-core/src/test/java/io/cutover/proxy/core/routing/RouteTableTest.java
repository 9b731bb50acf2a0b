package io.cutover.proxy.core.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouteTableTest {
    private static RouteRule topic(MatchType match, String pattern, String cluster) {
        return new RouteRule(ResourceType.TOPIC, match, pattern, ClientSelector.ANY, cluster);
    }

    private static ClientSelector.ClientIdentity client(String id, String address) throws Exception {
        return new ClientSelector.ClientIdentity(id, InetAddress.getByName(address));
    }

    @Test
    void theMostSpecificRuleWins() throws Exception {
        RouteTable t = new RouteTable(3, "source", List.of(
            topic(MatchType.REGEX, "orders\\..*", "target"),
            topic(MatchType.PREFIX, "orders.", "source"),
            topic(MatchType.PREFIX, "orders.eu.", "target"),
            topic(MatchType.EXACT, "orders.eu.returns", "source"),
            topic(MatchType.REGEX, "audit-[0-9]+", "target")));
        ClientRoutes r = t.forClient(client("app", "10.0.0.1"));
        assertEquals("source", r.topic("orders.us"), "a prefix beats a regex");
        assertEquals("target", r.topic("orders.eu.sales"), "the longer prefix wins");
        assertEquals("source", r.topic("orders.eu.returns"), "an exact name beats every prefix");
        assertEquals("target", r.topic("audit-42"));
        assertEquals("source", r.topic("audit-x"), "no rule: the default");
        assertEquals("source", r.topic("payments"));
        assertEquals(3, r.version());
    }

    @Test
    void clientSelectorsNarrowARuleAndBreakTies() throws Exception {
        RouteTable t = new RouteTable(1, "source", List.of(
            topic(MatchType.EXACT, "orders", "source"),
            new RouteRule(ResourceType.TOPIC, MatchType.EXACT, "orders", ClientSelector.of("billing-", null), "target"),
            new RouteRule(ResourceType.TOPIC, MatchType.EXACT, "orders", ClientSelector.of(null, "10.1.0.0/16"), "target"),
            new RouteRule(ResourceType.GROUP, MatchType.PREFIX, "billing", ClientSelector.of("billing-", "10.2.0.0/16"), "target")));
        assertEquals("target", t.forClient(client("billing-7", "10.9.0.1")).topic("orders"));
        assertEquals("target", t.forClient(client("shipping-1", "10.1.4.4")).topic("orders"), "the address selector");
        assertEquals("source", t.forClient(client("shipping-1", "10.9.0.1")).topic("orders"), "no selector matches: the plain rule");
        assertEquals("target", t.forClient(client("billing-7", "10.2.3.4")).group("billing-consumers"));
        assertEquals("source", t.forClient(client("billing-7", "10.3.3.4")).group("billing-consumers"), "both parts of a selector must match");
        assertEquals("source", t.forClient(client(null, "10.2.3.4")).group("billing-consumers"));
    }

    @Test
    void groupsAndTransactionalIdsAreRoutedOnTheirOwn() throws Exception {
        RouteTable t = new RouteTable(1, "source", List.of(
            new RouteRule(ResourceType.GROUP, MatchType.EXACT, "g1", ClientSelector.ANY, "target"),
            new RouteRule(ResourceType.TRANSACTIONAL_ID, MatchType.PREFIX, "txn-", ClientSelector.ANY, "target")));
        ClientRoutes r = t.forClient(client("c", "127.0.0.1"));
        assertEquals("target", r.group("g1"));
        assertEquals("source", r.topic("g1"), "a group rule does not route a topic of the same name");
        assertEquals("target", r.transactionalId("txn-9"));
        assertTrue(r.topicsLeave("target"));
        assertFalse(new RouteTable(0, "source", List.of()).forClient(client("c", "127.0.0.1")).topicsLeave("source"));
    }

    @Test
    void withRuleReplacesTheRuleOfTheSameKeyAndBumpsTheVersion() {
        RouteTable t = RouteTable.initial().withRule(topic(MatchType.EXACT, "a", "target"));
        RouteTable back = t.withRule(topic(MatchType.EXACT, "a", "source"));
        assertEquals(2, back.version());
        assertEquals(1, back.rules().size());
        assertEquals("source", back.rules().get(0).cluster());
    }

    @Test
    void invalidTablesAreRefusedWithTheReason() {
        RouteTableException dup = assertThrows(RouteTableException.class, () -> new RouteTable(1, "source",
            List.of(topic(MatchType.EXACT, "a", "target"), topic(MatchType.EXACT, "a", "source"))));
        assertTrue(dup.getMessage().contains("two rules"));
        RouteTableException unknown = assertThrows(RouteTableException.class,
            () -> RouteTable.initial().withRule(topic(MatchType.EXACT, "a", "mars")).validate(List.of("source", "target")));
        assertTrue(unknown.getMessage().contains("mars"));
        assertThrows(RouteTableException.class, () -> new RouteRule(ResourceType.GROUP, MatchType.REGEX, "g.*", ClientSelector.ANY, "target"));
        assertThrows(RouteTableException.class, () -> Cidr.parse("10.0.0.0/40"));
        assertThrows(RouteTableException.class, () -> Cidr.parse("example.com/8"), "no DNS lookups for selectors");
    }

    @Test
    void cidrMatchesItsNetworkOnly() throws Exception {
        Cidr net = Cidr.parse("192.168.4.0/22");
        assertTrue(net.contains(InetAddress.getByName("192.168.7.255")));
        assertFalse(net.contains(InetAddress.getByName("192.168.8.0")));
        assertFalse(net.contains(InetAddress.getByName("::1")), "another address family never matches");
        assertTrue(Cidr.parse("::1/128").contains(InetAddress.getByName("::1")));
    }

    @Test
    void regexVerdictsAreCachedWithinABound() throws Exception {
        ClientRoutes r = new RouteTable(1, "source", List.of(topic(MatchType.REGEX, "t-.*", "target")))
            .forClient(client("c", "127.0.0.1"));
        for (int i = 0; i < ClientRoutes.REGEX_CACHE_LIMIT + 100; i++) {
            assertEquals("target", r.topic("t-" + i));
        }
        assertEquals("source", r.topic("u-1"), "names beyond the cache bound are still answered");
    }
}
