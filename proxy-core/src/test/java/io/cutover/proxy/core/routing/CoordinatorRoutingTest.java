package io.cutover.proxy.core.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cutover.proxy.core.node.NodeIdSpace;
import io.cutover.proxy.core.node.NodePortStore;
import io.cutover.proxy.core.node.NodeRegistry;
import io.cutover.proxy.core.node.PortBinder;
import io.cutover.proxy.core.node.PortRange;
import io.cutover.proxy.core.rewrite.ClusterNodeMapper;
import io.cutover.proxy.core.rewrite.ErrorCounter;
import io.cutover.proxy.core.rewrite.RewriteContext;
import io.cutover.proxy.core.virtual.TopicIds;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class CoordinatorRoutingTest {
    private final RoutingContext ctx;

    CoordinatorRoutingTest() {
        NodeRegistry registry = new NodeRegistry(new NodeIdSpace(Map.of("source", 0, "target", 100_000)), new PortRange(31100, 31199),
            NodePortStore.inMemory());
        registry.start(PortBinder.NONE);
        TopicIds ids = new TopicIds();
        Map<String, RewriteContext> rewrites = new LinkedHashMap<>();
        for (String c : List.of("source", "target")) {
            rewrites.put(c, new RewriteContext(c, new ClusterNodeMapper(registry, c, "proxy"), ErrorCounter.NONE, ids, true));
        }
        ctx = new RoutingContext(List.of("source", "target"), rewrites, ids, true, "virtual-cluster");
    }

    @Test
    void keysOfAClusterThatDidNotAnswerAreRetriableAndKeepTheirPlace() {
        FindCoordinatorRequestData request = new FindCoordinatorRequestData().setKeyType((byte) 0)
            .setCoordinatorKeys(List.of("on-target", "on-source"));
        FindCoordinatorResponseData sourceAnswer = new FindCoordinatorResponseData();
        sourceAnswer.coordinators().add(new Coordinator().setKey("on-source").setNodeId(1).setHost("source.internal").setPort(9092));
        FindCoordinatorResponseData merged = CoordinatorRouting.merge(request, (short) 4, Map.of("source", sourceAnswer), Set.of("target"), ctx);
        assertEquals(List.of("on-target", "on-source"), merged.coordinators().stream().map(Coordinator::key).toList());
        Coordinator down = merged.coordinators().get(0);
        assertEquals(Errors.COORDINATOR_NOT_AVAILABLE.code(), down.errorCode());
        assertEquals(-1, down.nodeId());
        assertEquals(Errors.NONE.code(), merged.coordinators().get(1).errorCode());
        assertEquals(1, merged.coordinators().get(1).nodeId());
    }

    @Test
    void anUnbatchedLookupOnASilentClusterIsRetriable() {
        FindCoordinatorRequestData request = new FindCoordinatorRequestData().setKeyType((byte) 0).setKey("on-target");
        FindCoordinatorResponseData merged = CoordinatorRouting.merge(request, (short) 3, Map.of(), Set.of("target"), ctx);
        assertEquals(Errors.COORDINATOR_NOT_AVAILABLE.code(), merged.errorCode());
        assertEquals(-1, merged.nodeId());
        assertEquals("cluster target is unreachable from the proxy", merged.errorMessage());
    }
}
