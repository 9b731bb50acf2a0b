package io.cutover.proxy.server.embedded;

import io.cutover.proxy.server.mirror.MirrorTopic;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.Configurable;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.mirror.DefaultReplicationPolicy;
import org.apache.kafka.connect.mirror.IdentityReplicationPolicy;
import org.apache.kafka.connect.mirror.MirrorClientConfig;
import org.apache.kafka.connect.mirror.MirrorConnectorConfig;
import org.apache.kafka.connect.mirror.MirrorMakerConfig;
import org.apache.kafka.connect.mirror.MirrorSourceConnector;
import org.apache.kafka.connect.mirror.ReplicationPolicy;
import org.apache.kafka.connect.mirror.SourceAndTarget;

/** The MirrorMaker 2 configuration of one replication flow, and where its internal topics end up. */
final class MirrorMakerSettings {
    private MirrorMakerSettings() {
    }

    static Map<String, String> of(String sourceAlias, String sourceBootstrap, String targetAlias, String targetBootstrap,
                                  String topicsRegex, String groupsRegex, Map<String, String> overrides) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("clusters", sourceAlias + "," + targetAlias);
        c.put(sourceAlias + ".bootstrap.servers", sourceBootstrap);
        c.put(targetAlias + ".bootstrap.servers", targetBootstrap);
        c.put(sourceAlias + "->" + targetAlias + ".enabled", "true");
        // Clients must find their topics under the same names after a cutover.
        c.put("replication.policy.class", IdentityReplicationPolicy.class.getName());
        c.put("topics", topicsRegex);
        c.put("groups", groupsRegex);
        // With heartbeats on, MM2 also runs a target->source herder that writes its own internal topics
        // and a heartbeats topic into the source cluster; a cutover copies one way only.
        c.put("emit.heartbeats.enabled", "false");
        c.put("refresh.topics.interval.seconds", "1");
        c.put("refresh.groups.interval.seconds", "1");
        c.put("emit.checkpoints.interval.seconds", "1");
        // Offsets on the target are the proxy's business (it translates them itself), not MM2's.
        c.put("sync.group.offsets.enabled", "false");
        // A sync for every record MM2 can keep up with, so a group's offset translates exactly rather
        // than up to offset.lag.max records early (which would make consumers re-read after a flip).
        c.put("offset.lag.max", "0");
        // MM2's source consumer reads read_uncommitted unless told otherwise, and would copy what aborted
        // transactions wrote as plain records that every consumer on the target reads: an exactly-once
        // application's output would be there twice after a switch.
        c.put(sourceAlias + ".consumer.isolation.level", "read_committed");
        // Without an authorizer on the source, describing ACLs fails and MM2 warns every refresh.
        c.put("sync.topic.acls.enabled", "false");
        // Clusters may have a single broker.
        c.put("replication.factor", "1");
        c.put("offset-syncs.topic.replication.factor", "1");
        c.put("checkpoints.topic.replication.factor", "1");
        c.put("heartbeats.topic.replication.factor", "1");
        c.put("config.storage.replication.factor", "1");
        c.put("offset.storage.replication.factor", "1");
        c.put("status.storage.replication.factor", "1");
        // Worker settings reach the Connect worker only under the target cluster's alias.
        // Delayed offset syncs and MM2's own source offsets are written on this flush, 60 s by default.
        c.put(targetAlias + ".offset.flush.interval.ms", "1000");
        // The default scans every jar on the classpath for plugins, once for MirrorMakerConfig (which
        // reads the top-level key) and once per worker; MM2's own plugins are all ServiceLoader-registered.
        c.put("plugin.discovery", "service_load");
        c.put(targetAlias + ".plugin.discovery", "service_load");
        c.putAll(overrides);
        return c;
    }

    static MirrorTopic offsetSyncsTopic(MirrorMakerConfig config, SourceAndTarget flow, String sourceBootstrap, String targetBootstrap) {
        Map<String, String> props = config.connectorBaseConfig(flow, MirrorSourceConnector.class);
        boolean onSource = MirrorConnectorConfig.SOURCE_CLUSTER_ALIAS_DEFAULT.equals(props.getOrDefault(
            MirrorConnectorConfig.OFFSET_SYNCS_TOPIC_LOCATION, MirrorConnectorConfig.OFFSET_SYNCS_TOPIC_LOCATION_DEFAULT));
        // Named after the cluster at the other end of the flow from where the topic lives.
        String name = policy(props).offsetSyncsTopic(onSource ? flow.target() : flow.source());
        return onSource
            ? new MirrorTopic(name, flow.source(), sourceBootstrap)
            : new MirrorTopic(name, flow.target(), targetBootstrap);
    }

    static MirrorTopic checkpointsTopic(MirrorMakerConfig config, SourceAndTarget flow, String targetBootstrap) {
        Map<String, String> props = config.connectorBaseConfig(flow, MirrorSourceConnector.class);
        return new MirrorTopic(policy(props).checkpointsTopic(flow.source()), flow.target(), targetBootstrap);
    }

    private static ReplicationPolicy policy(Map<String, String> props) {
        String className = props.getOrDefault(MirrorClientConfig.REPLICATION_POLICY_CLASS, DefaultReplicationPolicy.class.getName());
        try {
            ReplicationPolicy policy = Utils.newInstance(className, ReplicationPolicy.class);
            if (policy instanceof Configurable configurable) {
                configurable.configure(props);
            }
            return policy;
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("unknown replication.policy.class " + className, e);
        }
    }
}
