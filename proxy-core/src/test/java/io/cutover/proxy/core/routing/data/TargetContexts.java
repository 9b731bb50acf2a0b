package io.cutover.proxy.core.routing.data;

import io.cutover.proxy.core.node.NodeIdSpace;
import io.cutover.proxy.core.node.NodePortStore;
import io.cutover.proxy.core.node.NodeRegistry;
import io.cutover.proxy.core.node.PortBinder;
import io.cutover.proxy.core.node.PortRange;
import io.cutover.proxy.core.rewrite.ClusterNodeMapper;
import io.cutover.proxy.core.rewrite.ErrorCounter;
import io.cutover.proxy.core.rewrite.RewriteContext;
import io.cutover.proxy.core.virtual.TopicIds;
import java.util.Map;

/**
 * Rewrite contexts for the cluster "target", whose node ids become 1000 and up, so translation is
 * visible in assertions; no sockets are bound.
 */
final class TargetContexts {
    static final String PROXY_HOST = "proxy.example";

    private TargetContexts() {
    }

    static ClusterNodeMapper nodes() {
        NodeRegistry r = new NodeRegistry(new NodeIdSpace(Map.of("source", 0, "target", 1000)), new PortRange(30000, 30099),
            NodePortStore.inMemory());
        r.start(PortBinder.NONE);
        return new ClusterNodeMapper(r, "target", PROXY_HOST);
    }

    /** One cluster: identities pass through, only brokers are rewritten. */
    static RewriteContext plain() {
        return RewriteContext.plain("target", nodes(), ErrorCounter.NONE);
    }

    /** Routing mode: topic ids and leader epochs are virtualised through {@code ids}. */
    static RewriteContext virtualising(TopicIds ids) {
        return new RewriteContext("target", nodes(), ErrorCounter.NONE, ids, true);
    }
}
