package io.cutover.proxy.server.cli;

import io.cutover.proxy.core.state.FileProducerIdStore;
import io.cutover.proxy.core.virtual.ProducerIdRecord;
import io.cutover.proxy.core.virtual.ProducerIdStore;
import io.cutover.proxy.server.fleet.FleetProducerIdStore;
import io.cutover.proxy.server.route.RoutingState;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.routing.RouteTableJson;
import io.cutover.proxy.core.state.FileNodePortStore;
import io.cutover.proxy.core.state.FileRouteStore;
import io.cutover.proxy.core.state.VirtualClusterId;
import io.cutover.proxy.server.config.ConfigError;
import io.cutover.proxy.server.config.ProxyConfig;
import io.cutover.proxy.server.config.ProxyConfigLoader;
import io.cutover.proxy.server.fleet.FleetClusterId;
import io.cutover.proxy.server.fleet.FleetNodePortStore;
import io.cutover.proxy.server.fleet.FleetRouteStore;
import io.cutover.proxy.server.fleet.FleetState;
import io.cutover.proxy.server.fleet.StateConflictException;
import io.cutover.proxy.server.fleet.StateEntry;
import io.cutover.proxy.server.fleet.StateUnavailableException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code cutover-proxy fleet import --config FILE}: moves a single instance's state files (route
 * table, node ports, cluster id, from the config's state-dir) into the fleet's state topic, once,
 * before the first fleet instance starts. An entity the fleet already holds is left alone when it
 * is the same and refused when it differs: importing never overwrites what a fleet serves.
 */
final class FleetImportCommand {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    static final String USAGE = """
        usage: cutover-proxy fleet import --config FILE
          Moves the route table, node ports and cluster id of the single instance whose state-dir FILE
          names into the state topic FILE's fleet section names (fleet.enabled = true), once, before the
          fleet starts. Exit 0: imported or already there; 1: the fleet already holds different state;
          2: bad arguments or config; 3: the state cluster cannot be reached.""";

    private FleetImportCommand() {
    }

    static int run(String[] args, int from, PrintStream out, PrintStream err) {
        if (args.length <= from || !args[from].equals("import")) {
            err.println(USAGE);
            return 2;
        }
        Path configFile = null;
        for (int i = from + 1; i < args.length; i++) {
            if ((args[i].equals("--config") || args[i].equals("-c")) && i + 1 < args.length) {
                configFile = Path.of(args[++i]);
            } else {
                err.println("unknown argument " + args[i] + "\n\n" + USAGE);
                return 2;
            }
        }
        if (configFile == null) {
            err.println("--config is required\n\n" + USAGE);
            return 2;
        }
        ProxyConfig config;
        try {
            config = ProxyConfigLoader.load(configFile);
        } catch (ConfigError e) {
            err.println(e.getMessage());
            return 2;
        }
        if (!config.fleet().enabled()) {
            err.println(configFile + " has fleet.enabled = false: name the fleet's state topic and set fleet.enabled = true");
            return 2;
        }
        try (FleetState fleet = FleetState.start(config.fleet(), config.clusters().get(config.fleet().stateCluster()))) {
            int refused = 0;
            Path dir = config.stateDir();
            RouteTable routes = new FileRouteStore(dir).load();
            if (routes != null && routes.version() > 0) {
                refused += put(fleet, FleetRouteStore.ENTITY, routes.version(), RouteTableJson.toJson(routes), out, err);
            }
            Map<Integer, Integer> ports = new FileNodePortStore(dir).load();
            if (!ports.isEmpty()) {
                ObjectNode body = JsonNodeFactory.instance.objectNode();
                ObjectNode p = body.putObject("ports");
                new TreeMap<>(ports).forEach((id, port) -> p.put(Integer.toString(id), port));
                refused += put(fleet, FleetNodePortStore.ENTITY, 1, body, out, err);
            }
            // Each wave keeps its state, history and last switch; an interrupted switch is settled by
            // the single instance's next start, not imported half-way (the journal stays local).
            for (io.cutover.proxy.core.wave.Wave wave : new io.cutover.proxy.core.wave.FileWaveStore(dir).load()) {
                refused += put(fleet, io.cutover.proxy.server.fleet.FleetWaveStore.PREFIX + wave.name(), 1,
                    io.cutover.proxy.core.wave.WaveJson.toJson(wave), out, err);
            }
            refused += importProducerIds(fleet, dir, out, err);
            String clusterId = VirtualClusterId.load(dir);
            if (clusterId != null) {
                refused += put(fleet, FleetClusterId.ENTITY, 1, JsonNodeFactory.instance.objectNode().put("id", clusterId), out, err);
            }
            out.println(refused == 0 ? "state of " + dir + " is in the fleet's topic " + config.fleet().stateTopic()
                : refused + " of them not imported: the fleet already holds different state");
            return refused == 0 ? 0 : 1;
        } catch (StateUnavailableException e) {
            err.println("cannot reach the fleet's state topic: " + e.getMessage());
            return 3;
        }
    }

    /**
     * The producer id mappings of the single instance's journal, so that a producer writing a moved
     * topic keeps its real ids through any instance of the fleet. A mapping the fleet already holds
     * is kept as it is (the same key, a different mapping: counted as refused).
     */
    private static int importProducerIds(FleetState fleet, Path dir, PrintStream out, PrintStream err) {
        if (!java.nio.file.Files.exists(dir.resolve(FileProducerIdStore.FILE_NAME))) {
            return 0;
        }
        int imported = 0;
        int same = 0;
        int refused = 0;
        FileProducerIdStore journal = new FileProducerIdStore(dir, RoutingState.PRODUCER_ID_RETENTION, java.time.Clock.systemUTC());
        try {
            for (ProducerIdRecord r : journal.load()) {
                String entity = FleetProducerIdStore.PREFIX + ProducerIdStore.keyOf(r);
                JsonNode body = FileProducerIdStore.json(r);
                StateEntry there = fleet.entry(entity);
                if (there == null) {
                    fleet.putAndWait(entity, body, java.time.Duration.ofSeconds(30));
                    imported++;
                } else if (there.body().equals(asRead(body))) {
                    same++;
                } else {
                    err.println(entity + ": the fleet already holds a different mapping (written by " + there.writer() + "); not imported");
                    refused++;
                }
            }
        } finally {
            journal.close();
        }
        out.println("producer ids: " + imported + " imported, " + same + " already in the fleet, " + refused + " different");
        return refused;
    }

    /** {@code body} as the state topic gives it back (a long that fits an int reads back as an int). */
    private static JsonNode asRead(JsonNode body) {
        try {
            return JSON.readTree(JSON.writeValueAsBytes(body));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int put(FleetState fleet, String entity, long version, JsonNode body, PrintStream out, PrintStream err) {
        StateEntry there = fleet.entry(entity);
        if (there == null) {
            try {
                fleet.create(entity, version, body);
                out.println(entity + ": imported (version " + version + ")");
                return 0;
            } catch (StateConflictException e) {
                there = fleet.entry(entity);
                if (there == null) {
                    err.println(entity + ": " + e.getMessage());
                    return 1;
                }
            }
        }
        if (there.body().equals(asRead(body))) {
            out.println(entity + ": already in the fleet, the same");
            return 0;
        }
        err.println(entity + ": the fleet already holds a different one (version " + there.version() + ", written by " + there.writer()
            + "); not imported");
        return 1;
    }
}
