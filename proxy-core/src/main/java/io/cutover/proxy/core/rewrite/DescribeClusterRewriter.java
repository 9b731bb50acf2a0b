package io.cutover.proxy.core.rewrite;

import io.cutover.proxy.core.node.VirtualNode;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBrokerCollection;
import org.apache.kafka.common.protocol.Errors;

/**
 * Brokers become proxy addresses. A request for controller endpoints (KIP-919, endpointType 2) is
 * refused: controllers are not reachable through the proxy, and their addresses must not leak.
 */
public final class DescribeClusterRewriter implements ResponseRewriter<DescribeClusterResponseData> {
    private static final byte CONTROLLER_ENDPOINTS = 2;

    @Override
    public boolean rewrite(DescribeClusterResponseData response, short version, RewriteContext ctx) {
        NodeMapper nodes = ctx.nodes();
        ErrorCounter errors = ctx.errors();
        if (response.endpointType() == CONTROLLER_ENDPOINTS) {
            response.setBrokers(new DescribeClusterBrokerCollection())
                .setControllerId(-1)
                .setErrorCode(Errors.UNSUPPORTED_ENDPOINT_TYPE.code())
                .setErrorMessage("controller endpoints are not available through the proxy; bootstrap from brokers");
            errors.count(Errors.UNSUPPORTED_ENDPOINT_TYPE.code());
            return true;
        }
        if (response.errorCode() != 0) {
            errors.count(response.errorCode());
        }
        DescribeClusterBrokerCollection brokers = new DescribeClusterBrokerCollection(response.brokers().size());
        for (DescribeClusterBroker b : response.brokers()) {
            VirtualNode node = nodes.map(b.brokerId(), b.host(), b.port(), b.rack());
            brokers.add(new DescribeClusterBroker()
                .setBrokerId(node.id())
                .setHost(nodes.advertised().host(node))
                .setPort(nodes.advertised().port(node))
                .setRack(b.rack())
                .setIsFenced(b.isFenced()));
        }
        response.setBrokers(brokers);
        response.setControllerId(nodes.virtualId(response.controllerId()));
        return true;
    }
}
