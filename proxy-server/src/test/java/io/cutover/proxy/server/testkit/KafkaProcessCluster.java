package io.cutover.proxy.server.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;

/**
 * A KRaft cluster of real brokers, each a process of its own from this project's Kafka jars, so
 * one can be killed with SIGKILL (kill -9) and started again on its log directory, which the test
 * kit's in-JVM brokers cannot do. Every node is both broker and controller, so any one of three can
 * die and the quorum stands. Replication factor 3 and min.insync.replicas 2 by default, as a
 * production cluster is run.
 *
 * <p>Each node has an internal listener for replication between brokers and the controllers, and an
 * external one for clients, advertised as {@code advertised(nodeId)} so a test can put a fault relay
 * in front of each broker without cutting the brokers off from each other.
 */
public final class KafkaProcessCluster implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final String name;
    private final List<Path> configs = new ArrayList<>();
    private final List<Integer> externalPorts = new ArrayList<>();
    private final List<String> advertised = new ArrayList<>();
    private final List<ChildJvm> nodes = new ArrayList<>();

    private KafkaProcessCluster(String name) {
        this.name = name;
    }

    /** The external ports the nodes (1..n) will listen on, known before they start so relays can be pointed at them. */
    public static final class Plan {
        private final int first = PortRanges.next();
        private final int nodes;

        public Plan(int nodes) {
            if (nodes < 1 || nodes * 3 > PortRanges.RANGE) {
                throw new IllegalArgumentException("nodes: " + nodes);
            }
            this.nodes = nodes;
        }

        public int externalPort(int nodeId) {
            return first + 3 * (nodeId - 1);
        }

        int internalPort(int nodeId) {
            return externalPort(nodeId) + 1;
        }

        int controllerPort(int nodeId) {
            return externalPort(nodeId) + 2;
        }
    }

    /**
     * Formats and starts the nodes of {@code plan}; returns once every broker is registered.
     *
     * @param advertised the external address clients are given for node {@code id} (a relay's, say)
     */
    public static KafkaProcessCluster start(String name, Plan plan, IntFunction<String> advertised, Map<String, String> extraConfig) {
        KafkaProcessCluster cluster = new KafkaProcessCluster(name);
        try {
            Path dir = Files.createTempDirectory("cutover-" + name);
            String clusterId = Uuid.randomUuid().toString();
            String voters = java.util.stream.IntStream.rangeClosed(1, plan.nodes)
                .mapToObj(id -> id + "@127.0.0.1:" + plan.controllerPort(id)).collect(Collectors.joining(","));
            int rf = Math.min(3, plan.nodes);
            for (int id = 1; id <= plan.nodes; id++) {
                Map<String, String> c = new LinkedHashMap<>();
                c.put("node.id", String.valueOf(id));
                c.put("process.roles", "broker,controller");
                c.put("controller.quorum.voters", voters);
                c.put("controller.listener.names", "CONTROLLER");
                c.put("listeners", "EXTERNAL://127.0.0.1:" + plan.externalPort(id) + ",INTERNAL://127.0.0.1:" + plan.internalPort(id)
                    + ",CONTROLLER://127.0.0.1:" + plan.controllerPort(id));
                c.put("advertised.listeners", "EXTERNAL://" + advertised.apply(id) + ",INTERNAL://127.0.0.1:" + plan.internalPort(id));
                c.put("listener.security.protocol.map", "EXTERNAL:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT");
                c.put("inter.broker.listener.name", "INTERNAL");
                c.put("log.dirs", dir.resolve("node-" + id).toString());
                c.put("default.replication.factor", String.valueOf(rf));
                c.put("min.insync.replicas", String.valueOf(Math.max(1, rf - 1)));
                c.put("offsets.topic.replication.factor", String.valueOf(rf));
                c.put("offsets.topic.num.partitions", "5");
                c.put("transaction.state.log.replication.factor", String.valueOf(rf));
                c.put("transaction.state.log.min.isr", String.valueOf(Math.max(1, rf - 1)));
                c.put("transaction.state.log.num.partitions", "5");
                c.put("share.coordinator.state.topic.replication.factor", String.valueOf(rf));
                c.put("share.coordinator.state.topic.min.isr", String.valueOf(Math.max(1, rf - 1)));
                c.put("group.initial.rebalance.delay.ms", "0");
                c.put("num.partitions", "3");
                c.putAll(extraConfig);
                Path config = dir.resolve("node-" + id + ".properties");
                Files.writeString(config, c.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining("\n", "", "\n")));
                ChildJvm format = ChildJvm.start("kafka.tools.StorageTool", List.of("format", "-t", clusterId, "-c", config.toString()),
                    Map.of(), "256m");
                int exit = format.awaitExit(Duration.ofSeconds(60));
                if (exit != 0) {
                    throw new AssertionError(name + " node " + id + ": formatting failed (" + exit + "):\n" + format.tail(20));
                }
                cluster.configs.add(config);
                cluster.externalPorts.add(plan.externalPort(id));
                cluster.advertised.add(advertised.apply(id));
            }
            for (int id = 1; id <= plan.nodes; id++) {
                cluster.nodes.add(cluster.launch(id));
            }
            cluster.awaitBrokers(plan.nodes);
            return cluster;
        } catch (IOException e) {
            cluster.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    private ChildJvm launch(int id) {
        // -Dcutover.test.broker-log-config=FILE gives the brokers a log4j2 configuration of their own (more detail when a
        // run needs explaining); otherwise they log as the tests do.
        String logConfig = System.getProperty("cutover.test.broker-log-config");
        return ChildJvm.start("kafka.Kafka", List.of(configs.get(id - 1).toString()),
            logConfig == null ? Map.of() : Map.of("log4j2.configurationFile", logConfig), "512m");
    }

    /** Waits until {@code count} brokers are registered and answer through their advertised addresses. */
    public void awaitBrokers(int count) {
        Await.until(name + ": " + count + " brokers registered", START_TIMEOUT, () -> {
            for (ChildJvm n : nodes) {
                if (!n.alive()) {
                    throw new AssertionError(name + ": a node exited at start:\n" + n.tail(40));
                }
            }
            try (Admin admin = Clients.admin(bootstrapServers())) {
                return admin.describeCluster().nodes().get(5, java.util.concurrent.TimeUnit.SECONDS).size() >= count;
            } catch (Exception notYet) {
                return false;
            }
        });
    }

    public String name() {
        return name;
    }

    /** The nodes' advertised external addresses: what the proxy, MirrorMaker 2 and the checks bootstrap from. */
    public String bootstrapServers() {
        return String.join(",", advertised);
    }

    public int size() {
        return configs.size();
    }

    /** SIGKILL of node {@code id}: no shutdown, nothing flushed. */
    public void kill(int id) {
        nodes.get(id - 1).kill();
    }

    /** Starts node {@code id} again on its log directory (after {@link #kill}). */
    public void restart(int id) {
        if (nodes.get(id - 1).alive()) {
            throw new IllegalStateException(name + " node " + id + " is still running");
        }
        nodes.set(id - 1, launch(id));
    }

    public String tail(int id, int lines) {
        return nodes.get(id - 1).tail(lines);
    }

    @Override
    public void close() {
        for (ChildJvm n : nodes) {
            if (n.alive()) {
                n.kill();
            }
        }
    }
}
