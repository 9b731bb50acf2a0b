package io.cutover.proxy.server.testkit;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.cli.ConnectDistributed;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.distributed.DistributedHerder;
import org.apache.kafka.connect.util.FutureCallback;

/**
 * A Kafka Connect worker in distributed mode, in the test JVM: its group, its config, offset and
 * status topics and its connectors' clients all go through {@code bootstrapServers}. Plugins are
 * found through service manifests only (no class path scan), which finds Kafka's converters and
 * {@link CountingSinkConnector}.
 */
public final class ConnectWorker implements AutoCloseable {
    private final Connect<DistributedHerder> connect;
    private final String group;

    private ConnectWorker(Connect<DistributedHerder> connect, String group) {
        this.connect = connect;
        this.group = group;
    }

    /** Starts a worker of Connect cluster {@code group}, with its REST API on 127.0.0.1:{@code restPort}. */
    public static ConnectWorker start(String bootstrapServers, String group, int restPort) {
        Map<String, String> p = new HashMap<>();
        p.put("bootstrap.servers", bootstrapServers);
        p.put("group.id", group);
        p.put("config.storage.topic", group + "-configs");
        p.put("offset.storage.topic", group + "-offsets");
        p.put("status.storage.topic", group + "-status");
        p.put("config.storage.replication.factor", "1");
        p.put("offset.storage.replication.factor", "1");
        p.put("status.storage.replication.factor", "1");
        p.put("offset.storage.partitions", "1");
        p.put("status.storage.partitions", "1");
        p.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        p.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
        p.put("listeners", "http://127.0.0.1:" + restPort);
        p.put("plugin.discovery", "service_load");
        p.put("offset.flush.interval.ms", "1000");
        p.put("scheduled.rebalance.max.delay.ms", "0");
        return new ConnectWorker(new ConnectDistributed().startConnect(p), group);
    }

    public String group() {
        return group;
    }

    /** Runs a {@link CountingSinkConnector} named {@code name} reading {@code topic}; returns once the worker took it. */
    public void countingSink(String name, String topic) throws Exception {
        Map<String, String> c = new HashMap<>();
        c.put("name", name);
        c.put("connector.class", CountingSinkConnector.class.getName());
        c.put("tasks.max", "1");
        c.put("topics", topic);
        FutureCallback<org.apache.kafka.connect.runtime.Herder.Created<org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo>> done =
            new FutureCallback<>();
        connect.herder().putConnectorConfig(name, c, false, done);
        done.get(90, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        connect.stop();
        connect.awaitStop();
    }
}
