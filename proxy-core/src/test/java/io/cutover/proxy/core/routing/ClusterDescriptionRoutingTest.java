package io.cutover.proxy.core.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class ClusterDescriptionRoutingTest {
    private final RoutingContext ctx = TwoClusterContext.create(31200);

    @Test
    void aSilentClusterIsLeftOutAndTheOtherDescribesTheCluster() {
        DescribeClusterResponseData target = new DescribeClusterResponseData().setClusterId("target-real").setControllerId(2);
        target.brokers().add(new DescribeClusterBroker().setBrokerId(2).setHost("target.internal").setPort(9092));
        DescribeClusterResponseData merged = ClusterDescriptionRouting.merge(Map.of("target", target), Set.of("source"), (short) 1,
            "source", ctx);
        assertEquals(Errors.NONE.code(), merged.errorCode());
        assertEquals(1, merged.brokers().size());
        assertEquals(100_002, merged.brokers().iterator().next().brokerId());
        assertEquals(100_002, merged.controllerId(), "the controller of the cluster that answered");
        assertEquals("virtual-cluster", merged.clusterId());
    }

    @Test
    void noClusterAnsweringIsARetriableErrorNamingThem() {
        DescribeClusterResponseData merged = ClusterDescriptionRouting.merge(Map.of(), Set.of("target"), (short) 1, "source", ctx);
        assertEquals(Errors.REQUEST_TIMED_OUT.code(), merged.errorCode());
        assertTrue(merged.errorMessage().contains("target"), merged.errorMessage());
    }
}
