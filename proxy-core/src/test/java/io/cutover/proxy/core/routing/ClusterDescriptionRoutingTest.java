package io.cutover.proxy.core.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class ClusterDescriptionRoutingTest {
    private final RoutingContext ctx;

    ClusterDescriptionRoutingTest() {
        NodeRegistry registry = new NodeRegistry(new NodeIdSpace(Map.of("source", 0, "target", 100_000)), new PortRange(31200, 31299),
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
    void aSilentClusterIsLeftOutAndTheOtherDescribesTheCluster() {
        DescribeClusterResponseData target = new DescribeClusterResponseData().setClusterId("target-real").setControllerId(2);
        target.brokers().add(new DescribeClusterBroker().setBrokerId(2).setHost("target.internal").setPort(9092));
        DescribeClusterResponseData merged = ClusterDescriptionRouting.merge(Map.of("target", target), Set.of("source"), (short) 1,
            "source", ctx);
        assertEquals(Errors.NONE.code(), merged.errorCode());
        assertEquals(1, merged.brokers().size());
        assertEquals(100_002, merged.brokers().iterator().next().brokerId());
        assertEquals(100_002, merged.controllerId(), "the controller of the cluster that answered");
        assertEquals("virtual-cluster", merged.clusterId());
    }

    @Test
    void noClusterAnsweringIsARetriableErrorNamingThem() {
        DescribeClusterResponseData merged = ClusterDescriptionRouting.merge(Map.of(), Set.of("target"), (short) 1, "source", ctx);
        assertEquals(Errors.REQUEST_TIMED_OUT.code(), merged.errorCode());
        assertTrue(merged.errorMessage().contains("target"), merged.errorMessage());
    }
}
