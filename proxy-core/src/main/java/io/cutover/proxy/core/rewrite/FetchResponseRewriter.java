package io.cutover.proxy.core.rewrite;

import io.cutover.proxy.core.node.VirtualNode;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.NodeEndpoint;
import org.apache.kafka.common.message.FetchResponseData.NodeEndpointCollection;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;

/**
 * KIP-951 leader hints (currentLeader, NodeEndpoints) and KIP-392 preferred read replicas are node ids
 * and addresses the client acts on; they become the proxy's. Records are never touched, and a
 * response that carries none of these is left as bytes.
 */
public final class FetchResponseRewriter implements ResponseRewriter<FetchResponseData> {
    @Override
    public boolean rewrite(FetchResponseData response, short version, RewriteContext ctx) {
        NodeMapper nodes = ctx.nodes();
        ErrorCounter errors = ctx.errors();
        boolean changed = false;
        if (response.errorCode() != 0) {
            errors.count(response.errorCode());
        }
        for (FetchableTopicResponse topic : response.responses()) {
            for (PartitionData p : topic.partitions()) {
                if (p.errorCode() != 0) {
                    errors.count(p.errorCode());
                }
                int leader = p.currentLeader().leaderId();
                if (leader >= 0) {
                    p.currentLeader().setLeaderId(nodes.virtualId(leader));
                    changed = true;
                }
                if (p.preferredReadReplica() >= 0) {
                    p.setPreferredReadReplica(nodes.virtualId(p.preferredReadReplica()));
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
