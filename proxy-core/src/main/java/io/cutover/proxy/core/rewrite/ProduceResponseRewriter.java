package io.cutover.proxy.core.rewrite;

import io.cutover.proxy.core.node.VirtualNode;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.NodeEndpoint;
import org.apache.kafka.common.message.ProduceResponseData.NodeEndpointCollection;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;

/**
 * KIP-951: on NOT_LEADER_OR_FOLLOWER a Produce v10+ response names the new leader and its address,
 * so the client can go there without a metadata round trip. Both become the proxy's. A response
 * without either is left as bytes.
 */
public final class ProduceResponseRewriter implements ResponseRewriter<ProduceResponseData> {
    @Override
    public boolean rewrite(ProduceResponseData response, short version, RewriteContext ctx) {
        NodeMapper nodes = ctx.nodes();
        ErrorCounter errors = ctx.errors();
        boolean changed = false;
        for (TopicProduceResponse topic : response.responses()) {
            for (PartitionProduceResponse p : topic.partitionResponses()) {
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
