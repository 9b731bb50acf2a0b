package io.cutover.proxy.core.node;

import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Every broker the proxy has seen, with the virtual node id and proxy port clients use for it.
 *
 * <p>Reads go to an immutable snapshot and take no lock. Writes (a broker seen for the first time,
 * or a broker whose address changed) are rare; they are serialised, bind the new port through the
 * {@link PortBinder} before the node is published, and persist the allocation. A port, once given
 * to a node, is never given to another, so existing ports never change.
 */
public final class NodeRegistry {
    private final NodeIdSpace ids;
    private final PortRange ports;
    private final NodePortStore store;
    private volatile PortBinder binder = PortBinder.NONE;
    private volatile Snapshot snapshot = Snapshot.EMPTY;
    /** Ports saved by earlier runs, by virtual id; consulted first when a node reappears. */
    private final Map<Integer, Integer> persisted;

    private record Snapshot(IntObjectMap<VirtualNode> byId, IntObjectMap<VirtualNode> byPort, List<VirtualNode> all) {
        static final Snapshot EMPTY = new Snapshot(new IntObjectHashMap<>(), new IntObjectHashMap<>(), List.of());
    }

    public NodeRegistry(NodeIdSpace ids, PortRange ports, NodePortStore store) {
        this.ids = Objects.requireNonNull(ids);
        this.ports = Objects.requireNonNull(ports);
        this.store = Objects.requireNonNull(store);
        this.persisted = new HashMap<>(store.load());
    }

    public NodeIdSpace ids() {
        return ids;
    }

    public PortRange ports() {
        return ports;
    }

    /**
     * Installs the binder and binds every port saved by an earlier run, so clients with cached
     * metadata can reconnect before the brokers have been rediscovered. A saved port that can no
     * longer be bound is dropped and reallocated when its broker shows up.
     */
    public synchronized List<VirtualNode> start(PortBinder binder) {
        this.binder = Objects.requireNonNull(binder);
        List<VirtualNode> restored = new ArrayList<>();
        for (Map.Entry<Integer, Integer> e : new ArrayList<>(persisted.entrySet())) {
            int id = e.getKey();
            String cluster = ids.clusterOf(id);
            int port = e.getValue();
            if (cluster == null || !ports.contains(port) || snapshot.byPort.containsKey(port)) {
                persisted.remove(id);
                continue;
            }
            VirtualNode node = new VirtualNode(id, port, cluster, ids.upstreamId(id), null, -1, null);
            if (binder.bind(port, node)) {
                publish(node);
                restored.add(node);
            } else {
                persisted.remove(id);
            }
        }
        store.save(persisted);
        return restored;
    }

    /**
     * Returns the node for an upstream broker, allocating and binding a port the first time it is
     * seen. Lock-free and allocation-free when the broker is already known at the same address.
     */
    public VirtualNode register(String cluster, int upstreamId, String host, int port, String rack) {
        int id = ids.virtualId(cluster, upstreamId);
        VirtualNode known = snapshot.byId.get(id);
        if (known != null && known.sameUpstream(host, port, rack)) {
            return known;
        }
        return registerSlow(cluster, upstreamId, id, host, port, rack);
    }

    private synchronized VirtualNode registerSlow(String cluster, int upstreamId, int id, String host, int port, String rack) {
        VirtualNode known = snapshot.byId.get(id);
        if (known != null) {
            if (known.sameUpstream(host, port, rack)) {
                return known;
            }
            VirtualNode moved = known.withUpstream(host, port, rack);
            publish(moved);
            return moved;
        }
        VirtualNode node = allocate(cluster, upstreamId, id, host, port, rack);
        persisted.put(id, node.port());
        store.save(persisted);
        publish(node);
        return node;
    }

    private VirtualNode allocate(String cluster, int upstreamId, int id, String host, int upstreamPort, String rack) {
        Integer reserved = store.reserve(id, p -> ports.contains(p) && !snapshot.byPort.containsKey(p));
        if (reserved != null) {
            persisted.put(id, reserved);
        }
        Integer saved = persisted.get(id);
        if (saved != null && !snapshot.byPort.containsKey(saved)) {
            VirtualNode node = new VirtualNode(id, saved, cluster, upstreamId, host, upstreamPort, rack);
            if (binder.bind(saved, node)) {
                return node;
            }
        }
        for (int p = ports.first(); p <= ports.last(); p++) {
            if (snapshot.byPort.containsKey(p) || persisted.containsValue(p)) {
                continue;
            }
            VirtualNode node = new VirtualNode(id, p, cluster, upstreamId, host, upstreamPort, rack);
            if (binder.bind(p, node)) {
                return node;
            }
        }
        throw new NoFreePortException("no free proxy port left in " + ports.first() + ".." + ports.last()
            + " for broker " + upstreamId + " of cluster " + cluster + "; widen listener.broker-ports");
    }

    private void publish(VirtualNode node) {
        Snapshot old = snapshot;
        IntObjectHashMap<VirtualNode> byId = new IntObjectHashMap<>(old.byId.size() + 1);
        IntObjectHashMap<VirtualNode> byPort = new IntObjectHashMap<>(old.byPort.size() + 1);
        byId.putAll(old.byId);
        byPort.putAll(old.byPort);
        byId.put(node.id(), node);
        byPort.put(node.port(), node);
        List<VirtualNode> all = new ArrayList<>(byId.values());
        all.sort((a, b) -> Integer.compare(a.id(), b.id()));
        snapshot = new Snapshot(byId, byPort, List.copyOf(all));
    }

    /** The virtual id a broker of {@code cluster} has, whether or not it has been seen yet. */
    public int virtualId(String cluster, int upstreamId) {
        return ids.virtualId(cluster, upstreamId);
    }

    public VirtualNode byVirtualId(int id) {
        return snapshot.byId.get(id);
    }

    public VirtualNode byPort(int port) {
        return snapshot.byPort.get(port);
    }

    /** Every node, ordered by virtual id. */
    public List<VirtualNode> nodes() {
        return snapshot.all;
    }

    /** No port in the configured range is free for a new broker. */
    public static final class NoFreePortException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public NoFreePortException(String message) {
            super(message);
        }
    }
}
