package io.cutover.proxy.core.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BrokerHostPatternTest {
    private final BrokerHostPattern pattern = BrokerHostPattern.parse("broker-$(nodeId).kafka.example.com");

    @Test
    void eachNodeHasOneNameAndTheNameGivesTheNodeBack() {
        assertEquals("broker-0.kafka.example.com", pattern.hostFor(0));
        assertEquals("broker-100002.kafka.example.com", pattern.hostFor(100002));
        for (int id : new int[] {0, 1, 9, 10, 100002, Integer.MAX_VALUE}) {
            assertEquals(id, pattern.nodeIdOf(pattern.hostFor(id)));
        }
        assertEquals(7, pattern.nodeIdOf("BROKER-7.Kafka.Example.COM"), "DNS names compare without case");
    }

    @Test
    void namesThatAreNotOneNodesAreNoNode() {
        for (String name : new String[] {"broker-.kafka.example.com", "broker-07.kafka.example.com", "broker-+7.kafka.example.com",
            "broker-7a.kafka.example.com", "broker-7.kafka.example.org", "xbroker-7.kafka.example.com", "broker-7.kafka.example.com.",
            "broker-2147483648.kafka.example.com", "broker-99999999999.kafka.example.com", "bootstrap.kafka.example.com", ""}) {
            assertEquals(-1, pattern.nodeIdOf(name), name);
        }
        assertEquals(-1, pattern.nodeIdOf(null), "no server name at all");
    }

    @Test
    void thePlaceholderMustBeThereExactlyOnce() {
        var none = assertThrows(IllegalArgumentException.class, () -> BrokerHostPattern.parse("broker.kafka.example.com"));
        assertTrue(none.getMessage().contains("does not contain $(nodeId)"), none.getMessage());
        var twice = assertThrows(IllegalArgumentException.class, () -> BrokerHostPattern.parse("b-$(nodeId)-$(nodeId).example.com"));
        assertTrue(twice.getMessage().contains("more than once"), twice.getMessage());
    }

    @Test
    void thePatternMustMakeDnsNames() {
        for (String bad : new String[] {"broker_$(nodeId).example.com", "$(nodeId)..example.com", "-$(nodeId).example.com",
            "broker-$(nodeId)-.example.com", "*.$(nodeId).example.com", "b$(nodeId).example.com.",
            "b-$(nodeId)-" + "x".repeat(60) + ".example.com", "10.0.0.$(nodeId)"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> BrokerHostPattern.parse(bad), bad);
            assertTrue(e.getMessage().contains("does not make valid DNS names"), e.getMessage());
        }
        assertEquals("kafka-$(nodeId)", BrokerHostPattern.parse("kafka-$(nodeId)").toString(), "one label is a name too");
    }

    @Test
    void dnsNames() {
        assertNull(BrokerHostPattern.dnsNameProblem("bootstrap.kafka.example.com"));
        assertNull(BrokerHostPattern.dnsNameProblem("localhost"));
        assertTrue(BrokerHostPattern.dnsNameProblem("a..b").contains("empty label"));
        assertTrue(BrokerHostPattern.dnsNameProblem("a_b.example").contains("'_'"));
        assertTrue(BrokerHostPattern.dnsNameProblem("10.0.0.1").contains("IP address"));
        assertTrue(BrokerHostPattern.dnsNameProblem("x".repeat(64) + ".example").contains("longer than 63"));
        assertTrue(BrokerHostPattern.dnsNameProblem(("a".repeat(60) + ".").repeat(5) + "com").contains("253"));
    }
}
