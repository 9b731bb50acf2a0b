package io.cutover.proxy.core.rewrite;

import io.cutover.proxy.core.node.VirtualNode;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;

/** The coordinator's address becomes the proxy's, in the single (v0-3) and batched (v4+) forms. */
public final class FindCoordinatorRewriter implements ResponseRewriter<FindCoordinatorResponseData> {
    private static final short FIRST_BATCHED_VERSION = 4;

    @Override
    public boolean rewrite(FindCoordinatorResponseData response, short version, RewriteContext ctx) {
        NodeMapper nodes = ctx.nodes();
        ErrorCounter errors = ctx.errors();
        if (version < FIRST_BATCHED_VERSION) {
            if (response.errorCode() != 0) {
                errors.count(response.errorCode());
            }
            if (response.nodeId() >= 0) {
                VirtualNode node = nodes.map(response.nodeId(), response.host(), response.port(), null);
                response.setNodeId(node.id()).setHost(nodes.advertised().host(node)).setPort(nodes.advertised().port(node));
            } else {
                response.setHost("").setPort(-1);
            }
            return true;
        }
        for (Coordinator c : response.coordinators()) {
            if (c.errorCode() != 0) {
                errors.count(c.errorCode());
            }
            // An errored coordinator has nodeId -1 and no address worth translating.
            if (c.nodeId() >= 0) {
                VirtualNode node = nodes.map(c.nodeId(), c.host(), c.port(), null);
                c.setNodeId(node.id()).setHost(nodes.advertised().host(node)).setPort(nodes.advertised().port(node));
            } else {
                c.setHost("").setPort(-1);
            }
        }
        return true;
    }
}
