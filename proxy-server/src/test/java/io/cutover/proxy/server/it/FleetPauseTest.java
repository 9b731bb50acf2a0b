package io.cutover.proxy.server.it;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.MirrorMakerProcess;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The write pause of a coordinated switch over three instances of a fleet against one, in one run
 * (the same clusters, the same MirrorMaker 2 process, the same load in all): 20 switches each, as
 * {@link WavePauseTest} runs them, with one producer per instance. A measurement, so out of the
 * default build: {@code ./mvnw -B -ntp -pl proxy-server -am verify -Dtest=FleetPauseTest
 * -Dtest.excludedGroups= -Dsurefire.failIfNoSpecifiedTests=false}. It still checks every
 * acknowledged record lands on the target once, in order.
 */
@ExtendWith(KafkaClusterExtension.class)
@Tag("bench")
class FleetPauseTest {
    private static final int SWITCHES = 20;

    @Test
    void coordinatedSwitchPauseOverThreeInstancesAgainstOne(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        String prefix = Clients.unique("fleet-pause");
        try (MirrorMakerProcess mm = MirrorMakerProcess.start(source.bootstrapServers(), target.bootstrapServers(), prefix + "-.*")) {
            WavePauseTest.Pauses one = run(source, target, mm, prefix + "-one", 1);
            WavePauseTest.Pauses three = run(source, target, mm, prefix + "-three", 3);
            System.out.println("FLEET-PAUSE " + one.summary("instances=1"));
            System.out.println("FLEET-PAUSE " + three.summary("instances=3"));
        }
    }

    private static WavePauseTest.Pauses run(EmbeddedKafkaCluster source, EmbeddedKafkaCluster target, MirrorMakerProcess mm, String prefix,
                                            int instances) throws Exception {
        String stateTopic = prefix + "-state";
        List<RunningProxy> proxies = new ArrayList<>();
        try {
            for (int i = 0; i < instances; i++) {
                Map<String, Object> o = new HashMap<>(Map.of("waves.mirrormaker2.offset-syncs-topic", mm.offsetSyncsTopic(),
                    "waves.max-ready-lag", 500, "fleet.enabled", true, "fleet.state-topic", stateTopic, "fleet.instance-id", "i" + i,
                    "fleet.replication-factor", 1, "fleet.min-insync-replicas", 1));
                proxies.add(RunningProxy.routing(source, target, o));
            }
            // Every instance takes part in the first switch already: the first sees them all live.
            Await.until("instance i0 sees " + instances + " live", Duration.ofSeconds(30),
                () -> WaveSwitchTest.json(proxies.get(0).send("GET", "/fleet", null, Map.of())).path("live").asInt() == instances);
            return WavePauseTest.switchUnderLoad(source, target, prefix, proxies, SWITCHES);
        } finally {
            for (RunningProxy p : proxies) {
                p.close();
            }
        }
    }
}
