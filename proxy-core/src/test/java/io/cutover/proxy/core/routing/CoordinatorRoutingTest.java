package io.cutover.proxy.core.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class CoordinatorRoutingTest {
    private final RoutingContext ctx = TwoClusterContext.create(31100);

    @Test
    void keysOfAClusterThatDidNotAnswerAreRetriableAndKeepTheirPlace() {
        FindCoordinatorRequestData request = new FindCoordinatorRequestData().setKeyType((byte) 0)
            .setCoordinatorKeys(List.of("on-target", "on-source"));
        FindCoordinatorResponseData sourceAnswer = new FindCoordinatorResponseData();
        sourceAnswer.coordinators().add(new Coordinator().setKey("on-source").setNodeId(1).setHost("source.internal").setPort(9092));
        FindCoordinatorResponseData merged = CoordinatorRouting.merge(request, (short) 4, Map.of("source", sourceAnswer), Set.of("target"), ctx);
        assertEquals(List.of("on-target", "on-source"), merged.coordinators().stream().map(Coordinator::key).toList());
        Coordinator down = merged.coordinators().get(0);
        assertEquals(Errors.COORDINATOR_NOT_AVAILABLE.code(), down.errorCode());
        assertEquals(-1, down.nodeId());
        assertEquals(Errors.NONE.code(), merged.coordinators().get(1).errorCode());
        assertEquals(1, merged.coordinators().get(1).nodeId());
    }

    @Test
    void anUnbatchedLookupOnASilentClusterIsRetriable() {
        FindCoordinatorRequestData request = new FindCoordinatorRequestData().setKeyType((byte) 0).setKey("on-target");
        FindCoordinatorResponseData merged = CoordinatorRouting.merge(request, (short) 3, Map.of(), Set.of("target"), ctx);
        assertEquals(Errors.COORDINATOR_NOT_AVAILABLE.code(), merged.errorCode());
        assertEquals(-1, merged.nodeId());
        assertEquals("cluster target is unreachable from the proxy", merged.errorMessage());
    }
}
