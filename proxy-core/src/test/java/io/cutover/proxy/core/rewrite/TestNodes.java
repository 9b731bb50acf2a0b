package io.cutover.proxy.core.rewrite;

import io.cutover.proxy.core.node.NodeIdSpace;
import io.cutover.proxy.core.node.NodePortStore;
import io.cutover.proxy.core.node.NodeRegistry;
import io.cutover.proxy.core.node.PortBinder;
import io.cutover.proxy.core.node.PortRange;
import java.util.Map;

/** A registry with two clusters whose ids differ, so translation is visible in assertions. */
final class TestNodes {
    static final String PROXY_HOST = "proxy.example";

    static NodeRegistry registry() {
        NodeRegistry r = new NodeRegistry(new NodeIdSpace(Map.of("source", 0, "target", 1000)), new PortRange(30000, 30099),
            NodePortStore.inMemory());
        r.start(PortBinder.NONE);
        return r;
    }

    static ClusterNodeMapper target(NodeRegistry r) {
        return new ClusterNodeMapper(r, "target", PROXY_HOST);
    }

    private TestNodes() {
    }
}
