package io.cutover.proxy.core.routing;

import io.cutover.proxy.core.rewrite.FindCoordinatorRewriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;

/**
 * FindCoordinator answered by the cluster each key routes to: a group's coordinator is in the
 * group's cluster, a transactional id's in the id's cluster. Batched lookups (v4+) are split per
 * cluster and the answers put back in request order.
 */
public final class CoordinatorRouting {
    private static final short FIRST_BATCHED_VERSION = 4;
    private static final FindCoordinatorRewriter REWRITER = new FindCoordinatorRewriter();

    private CoordinatorRouting() {
    }

    public static String clusterOf(byte keyType, String key, ClientRoutes routes) {
        if (keyType == CoordinatorType.TRANSACTION.id()) {
            return routes.transactionalId(key);
        }
        // Consumer groups, share groups and streams groups all route by group id.
        return routes.group(key);
    }

    public static Map<String, FindCoordinatorRequestData> split(FindCoordinatorRequestData request, short version, ClientRoutes routes) {
        Map<String, FindCoordinatorRequestData> out = new LinkedHashMap<>();
        if (version < FIRST_BATCHED_VERSION) {
            out.put(clusterOf(request.keyType(), request.key(), routes), request);
            return out;
        }
        for (String key : request.coordinatorKeys()) {
            out.computeIfAbsent(clusterOf(request.keyType(), key, routes),
                c -> new FindCoordinatorRequestData().setKeyType(request.keyType()).setCoordinatorKeys(new ArrayList<>()))
                .coordinatorKeys().add(key);
        }
        return out;
    }

    /**
     * @param unavailable clusters that did not answer: their keys are answered
     *     COORDINATOR_NOT_AVAILABLE, which clients retry, so a group or transaction on a cluster that is
     *     down waits for it rather than failing
     */
    public static FindCoordinatorResponseData merge(FindCoordinatorRequestData request, short version,
                                                    Map<String, FindCoordinatorResponseData> answers, Set<String> unavailable,
                                                    RoutingContext ctx) {
        if (version < FIRST_BATCHED_VERSION) {
            if (answers.isEmpty()) {
                return new FindCoordinatorResponseData().setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code())
                    .setErrorMessage(unavailableMessage(unavailable)).setNodeId(-1).setHost("").setPort(-1);
            }
            Map.Entry<String, FindCoordinatorResponseData> only = answers.entrySet().iterator().next();
            REWRITER.rewrite(only.getValue(), version, ctx.rewrite(only.getKey()));
            return only.getValue();
        }
        Map<String, Coordinator> byKey = new HashMap<>();
        int throttle = 0;
        for (Map.Entry<String, FindCoordinatorResponseData> e : answers.entrySet()) {
            REWRITER.rewrite(e.getValue(), version, ctx.rewrite(e.getKey()));
            throttle = Math.max(throttle, e.getValue().throttleTimeMs());
            for (Coordinator c : e.getValue().coordinators()) {
                byKey.put(c.key(), c);
            }
        }
        List<Coordinator> ordered = new ArrayList<>();
        for (String key : request.coordinatorKeys()) {
            Coordinator c = byKey.get(key);
            if (c != null) {
                ordered.add(c);
            } else if (!unavailable.isEmpty()) {
                ordered.add(new Coordinator().setKey(key).setNodeId(-1).setHost("").setPort(-1)
                    .setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()).setErrorMessage(unavailableMessage(unavailable)));
            }
        }
        return new FindCoordinatorResponseData().setThrottleTimeMs(throttle).setCoordinators(ordered);
    }

    private static String unavailableMessage(Set<String> clusters) {
        return "cluster " + String.join(", ", clusters) + " is unreachable from the proxy";
    }
}
