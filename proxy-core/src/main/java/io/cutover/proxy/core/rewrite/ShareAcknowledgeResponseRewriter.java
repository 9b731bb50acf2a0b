package io.cutover.proxy.core.rewrite;

import io.cutover.proxy.core.node.VirtualNode;
import org.apache.kafka.common.message.ShareAcknowledgeResponseData;
import org.apache.kafka.common.message.ShareAcknowledgeResponseData.NodeEndpoint;
import org.apache.kafka.common.message.ShareAcknowledgeResponseData.NodeEndpointCollection;
import org.apache.kafka.common.message.ShareAcknowledgeResponseData.PartitionData;
import org.apache.kafka.common.message.ShareAcknowledgeResponseData.ShareAcknowledgeTopicResponse;

/** Share groups (KIP-932) carry the same leader hints as Fetch. */
public final class ShareAcknowledgeResponseRewriter implements ResponseRewriter<ShareAcknowledgeResponseData> {
    @Override
    public boolean rewrite(ShareAcknowledgeResponseData response, short version, RewriteContext ctx) {
        NodeMapper nodes = ctx.nodes();
        ErrorCounter errors = ctx.errors();
        boolean changed = false;
        if (response.errorCode() != 0) {
            errors.count(response.errorCode());
        }
        for (ShareAcknowledgeTopicResponse topic : response.responses()) {
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
