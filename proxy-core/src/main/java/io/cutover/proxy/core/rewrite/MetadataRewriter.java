package io.cutover.proxy.core.rewrite;

import io.cutover.proxy.core.node.VirtualNode;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBrokerCollection;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;

/** Brokers become proxy addresses; every node id (leader, replicas, ISR, controller) becomes virtual. */
public final class MetadataRewriter implements ResponseRewriter<MetadataResponseData> {
    @Override
    public boolean rewrite(MetadataResponseData response, short version, RewriteContext ctx) {
        NodeMapper nodes = ctx.nodes();
        ErrorCounter errors = ctx.errors();
        // nodeId is the key of the hash-linked broker collection: build a new one instead of
        // changing keys in place.
        MetadataResponseBrokerCollection brokers = new MetadataResponseBrokerCollection(response.brokers().size());
        for (MetadataResponseBroker b : response.brokers()) {
            VirtualNode node = nodes.map(b.nodeId(), b.host(), b.port(), b.rack());
            brokers.add(new MetadataResponseBroker()
                .setNodeId(node.id())
                .setHost(nodes.advertised().host(node))
                .setPort(nodes.advertised().port(node))
                .setRack(b.rack()));
        }
        response.setBrokers(brokers);
        response.setControllerId(nodes.virtualId(response.controllerId()));
        for (MetadataResponseTopic topic : response.topics()) {
            if (topic.errorCode() != 0) {
                errors.count(topic.errorCode());
            }
            if (ctx.topicIds() != null) {
                // Real ids, as clients use them in Produce/Fetch v13+; learnt so that a capture's
                // topic filter can name the topics of such requests.
                ctx.topicIds().learn(ctx.cluster(), topic.name(), topic.topicId());
            }
            for (MetadataResponsePartition p : topic.partitions()) {
                if (p.errorCode() != 0) {
                    errors.count(p.errorCode());
                }
                p.setLeaderId(nodes.virtualId(p.leaderId()));
                NodeIds.translate(p.replicaNodes(), nodes);
                NodeIds.translate(p.isrNodes(), nodes);
                NodeIds.translate(p.offlineReplicas(), nodes);
            }
        }
        return true;
    }
}
