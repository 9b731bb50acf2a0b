package io.cutover.proxy.core.rewrite;

import io.cutover.proxy.core.node.VirtualNode;
import org.apache.kafka.common.message.ShareFetchResponseData;
import org.apache.kafka.common.message.ShareFetchResponseData.NodeEndpoint;
import org.apache.kafka.common.message.ShareFetchResponseData.NodeEndpointCollection;
import org.apache.kafka.common.message.ShareFetchResponseData.PartitionData;
import org.apache.kafka.common.message.ShareFetchResponseData.ShareFetchableTopicResponse;

/** Share groups (KIP-932) carry the same leader hints as Fetch. */
public final class ShareFetchResponseRewriter implements ResponseRewriter<ShareFetchResponseData> {
    @Override
    public boolean rewrite(ShareFetchResponseData response, short version, RewriteContext ctx) {
        NodeMapper nodes = ctx.nodes();
        ErrorCounter errors = ctx.errors();
        boolean changed = false;
        if (response.errorCode() != 0) {
            errors.count(response.errorCode());
        }
        for (ShareFetchableTopicResponse topic : response.responses()) {
            for (PartitionData p : topic.partitions()) {
                if (p.errorCode() != 0) {
                    errors.count(p.errorCode());
                }
                int leader = p.currentLeader().leaderId();
                if (leader >= 0) {
                    p.currentLeader().setLeaderId(nodes.virtualId(leader));
                    changed = true;
                }
            }
        }
        if (!response.nodeEndpoints().isEmpty()) {
            NodeEndpointCollection endpoints = new NodeEndpointCollection(response.nodeEndpoints().size());
            for (NodeEndpoint e : response.nodeEndpoints()) {
                VirtualNode node = nodes.map(e.nodeId(), e.host(), e.port(), e.rack());
                endpoints.add(new NodeEndpoint().setNodeId(node.id()).setHost(nodes.advertisedHost())
                    .setPort(node.port()).setRack(e.rack()));
            }
            response.setNodeEndpoints(endpoints);
            changed = true;
        }
        return changed;
    }
}
