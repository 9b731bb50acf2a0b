package io.cutover.proxy.server.net;

import io.cutover.proxy.core.log.RateLimitedLog;
import io.cutover.proxy.core.capture.CaptureHub;
import io.cutover.proxy.core.node.NodeRegistry;
import io.cutover.proxy.core.rewrite.ClusterNodeMapper;
import io.cutover.proxy.core.routing.data.ResponseRewriting;
import io.cutover.proxy.server.config.ProxyConfig;
import io.cutover.proxy.server.metrics.ProxyMetrics;
import io.cutover.proxy.server.route.ControlPlane;
import io.cutover.proxy.server.route.RoutingState;
import io.cutover.proxy.server.upstream.UpstreamConnector;
import io.cutover.proxy.server.wire.Transport;
import java.util.Map;

/** What every connection shares: limits, metrics, the node registry and the rewriters. Immutable. */
public record ProxyContext(
    ProxyConfig config,
    ProxyMetrics metrics,
    NodeRegistry nodes,
    Map<String, ClusterNodeMapper> nodeMappers,
    ResponseRewriting rewriting,
    Transport transport,
    UpstreamConnector upstreams,
    RateLimitedLog connectionLog,
    RoutingState routing,
    ControlPlane answers,
    CaptureHub captures,
    LiveConnections connections,
    io.cutover.proxy.server.wave.Fences fences,
    io.cutover.proxy.server.wave.ClientObservations observations,
    io.cutover.proxy.core.inventory.ClientInventory inventory,
    RequestMemory requestMemory,
    ResponseMemory responseMemory) {

    public ClusterNodeMapper nodeMapper(String cluster) {
        return nodeMappers.get(cluster);
    }
}
