package io.cutover.proxy.core.routing;

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

/** A routing context over a source and a target, with node ids 0+ and 100000+ and no sockets: for the merge tests. */
final class TwoClusterContext {
    private TwoClusterContext() {
    }

    static RoutingContext create(int firstPort) {
        NodeRegistry registry = new NodeRegistry(new NodeIdSpace(Map.of("source", 0, "target", 100_000)),
            new PortRange(firstPort, firstPort + 99), NodePortStore.inMemory());
        registry.start(PortBinder.NONE);
        TopicIds ids = new TopicIds();
        Map<String, RewriteContext> rewrites = new LinkedHashMap<>();
        for (String c : List.of("source", "target")) {
            rewrites.put(c, new RewriteContext(c, new ClusterNodeMapper(registry, c, "proxy"), ErrorCounter.NONE, ids, true));
        }
        return new RoutingContext(List.of("source", "target"), rewrites, ids, true, "virtual-cluster");
    }
}
