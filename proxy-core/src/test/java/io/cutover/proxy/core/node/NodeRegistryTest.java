package io.cutover.proxy.core.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.state.CorruptStateException;
import io.cutover.proxy.core.state.FileNodePortStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeRegistryTest {
    private static final NodeIdSpace IDS = new NodeIdSpace(Map.of("source", 0, "target", 1000));

    @Test
    void virtualIdsAreDisjointPerCluster() {
        assertEquals(3, IDS.virtualId("source", 3));
        assertEquals(1003, IDS.virtualId("target", 3));
        assertEquals(-1, IDS.virtualId("target", -1));
        assertEquals("target", IDS.clusterOf(1003));
        assertEquals(3, IDS.upstreamId(1003));
        assertThrows(NodeIdSpace.NodeIdOutOfRangeException.class, () -> IDS.virtualId("source", 1000),
            "a source broker id that would collide with target's range is refused");
        assertThrows(IllegalArgumentException.class, () -> new NodeIdSpace(Map.of("a", 5, "b", 5)));
    }

    @Test
    void portsAreHandedOutOnceAndNeverChange() {
        List<Integer> bound = new ArrayList<>();
        NodeRegistry r = new NodeRegistry(IDS, new PortRange(30000, 30009), NodePortStore.inMemory());
        r.start((port, node) -> bound.add(port));
        VirtualNode a = r.register("source", 1, "a", 9092, null);
        VirtualNode b = r.register("target", 1, "b", 9092, null);
        assertEquals(30000, a.port());
        assertEquals(30001, b.port());
        assertSame(a, r.register("source", 1, "a", 9092, null), "a known broker is returned as it is");
        VirtualNode moved = r.register("source", 1, "a-new-host", 9093, null);
        assertEquals(30000, moved.port(), "a broker that moved keeps its port");
        assertEquals("a-new-host", r.byPort(30000).upstreamHost());
        assertEquals(List.of(30000, 30001), bound, "each port bound once");
    }

    @Test
    void aPortThatCannotBeBoundIsSkipped() {
        NodeRegistry r = new NodeRegistry(IDS, new PortRange(30000, 30009), NodePortStore.inMemory());
        r.start((port, node) -> port != 30000);
        assertEquals(30001, r.register("source", 1, "a", 9092, null).port());
    }

    @Test
    void runningOutOfPortsSaysWhichKeyToWiden() {
        NodeRegistry r = new NodeRegistry(IDS, new PortRange(30000, 30000), NodePortStore.inMemory());
        r.start(PortBinder.NONE);
        r.register("source", 1, "a", 9092, null);
        NodeRegistry.NoFreePortException e = assertThrows(NodeRegistry.NoFreePortException.class,
            () -> r.register("source", 2, "b", 9092, null));
        assertTrue(e.getMessage().contains("listener.broker-ports"));
    }

    @Test
    void aRestartGivesEveryBrokerItsPortBack(@TempDir Path stateDir) {
        NodeRegistry first = new NodeRegistry(IDS, new PortRange(30000, 30009), new FileNodePortStore(stateDir));
        first.start(PortBinder.NONE);
        first.register("source", 3, "c", 9092, null);
        first.register("source", 1, "a", 9092, null);
        first.register("target", 2, "t", 9092, null);

        List<Integer> bound = new ArrayList<>();
        NodeRegistry second = new NodeRegistry(IDS, new PortRange(30000, 30009), new FileNodePortStore(stateDir));
        List<VirtualNode> restored = second.start((port, node) -> bound.add(port));
        assertEquals(Set.of(30000, 30001, 30002), Set.copyOf(bound), "saved ports are listening before discovery");
        assertEquals(3, restored.size());
        assertFalse(second.byPort(30000).hasUpstreamAddress(), "address unknown until the broker is seen again");
        // Seen again in a different order: still the same ports.
        assertEquals(30002, second.register("target", 2, "t", 9092, null).port());
        assertEquals(30001, second.register("source", 1, "a", 9092, null).port());
        assertEquals(30000, second.register("source", 3, "c", 9092, null).port());
        assertEquals(30003, second.register("source", 4, "d", 9092, null).port(), "a new broker gets the lowest free port");
    }

    @Test
    void aCorruptStateFileStopsStartupWithItsName(@TempDir Path stateDir) throws Exception {
        Files.writeString(stateDir.resolve(FileNodePortStore.FILE_NAME), "{ not json");
        CorruptStateException e = assertThrows(CorruptStateException.class,
            () -> new NodeRegistry(IDS, new PortRange(30000, 30009), new FileNodePortStore(stateDir)));
        assertTrue(e.getMessage().contains(FileNodePortStore.FILE_NAME));
    }

    @Test
    void unknownLookupsAreNull() {
        NodeRegistry r = new NodeRegistry(IDS, new PortRange(30000, 30009), NodePortStore.inMemory());
        r.start(PortBinder.NONE);
        assertNull(r.byPort(30005));
        assertNull(r.byVirtualId(7));
    }
}
