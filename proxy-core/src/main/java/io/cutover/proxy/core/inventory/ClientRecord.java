package io.cutover.proxy.core.inventory;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * What the proxy knows of one client (a client.id from one address): its software, the APIs it
 * used, the topics it wrote and read, its groups and transactional ids, where it is connected now.
 * Updated from event loops without locks; every set is bounded.
 */
public final class ClientRecord {
    static final int MAX_NAMES = 1_000;
    static final int MAX_PROTOCOL = 64;

    private final String clientId;
    private final String address;
    private volatile String softwareName;
    private volatile String softwareVersion;
    private final AtomicLongArray apis = new AtomicLongArray(2);
    private final Set<String> produced = ConcurrentHashMap.newKeySet();
    private final Set<String> fetched = ConcurrentHashMap.newKeySet();
    private final Set<String> groups = ConcurrentHashMap.newKeySet();
    private final Set<String> transactionalIds = ConcurrentHashMap.newKeySet();
    private volatile boolean idempotent;
    private volatile String groupProtocol;
    private volatile String principal;
    private volatile boolean oldScramNonce;
    private final Map<String, Integer> connections = new ConcurrentHashMap<>();
    private volatile String lastCluster;
    private final long firstSeenMillis;
    private volatile long lastSeenMillis;

    ClientRecord(String clientId, String address, long firstSeenMillis) {
        this.clientId = clientId;
        this.address = address;
        this.firstSeenMillis = firstSeenMillis;
        this.lastSeenMillis = firstSeenMillis;
    }

    public String clientId() {
        return clientId;
    }

    public String address() {
        return address;
    }

    public long lastSeenMillis() {
        return lastSeenMillis;
    }

    public void seen(long nowMillis) {
        lastSeenMillis = nowMillis;
    }

    /** The user the client logged in to the proxy as (listener.sasl); the last one seen counts. */
    public void principal(String user) {
        principal = user;
    }

    /** The client logged in with the repeated SCRAM nonce of librdkafka before 2.6.1, which a Kafka 4.x broker refuses. */
    public void oldScramNonce() {
        oldScramNonce = true;
    }

    public void software(String name, String version) {
        if (name != null && !name.isEmpty()) {
            softwareName = name;
            softwareVersion = version;
        }
    }

    /** Marks an API as used; a write only the first time. */
    public void used(short apiKey) {
        if (apiKey < 0 || apiKey >= 128) {
            return;
        }
        int word = apiKey >> 6;
        long bit = 1L << (apiKey & 63);
        if ((apis.get(word) & bit) == 0) {
            apis.getAndAccumulate(word, bit, (a, b) -> a | b);
        }
    }

    public void produced(String topic) {
        add(produced, topic);
    }

    public void fetched(String topic) {
        add(fetched, topic);
    }

    public void group(String group) {
        add(groups, group);
    }

    public void transactionalId(String id) {
        add(transactionalIds, id);
    }

    public void idempotent() {
        idempotent = true;
    }

    /**
     * The protocol type and first protocol of the client's first JoinGroup ("consumer/range",
     * "consumer/stream" for Kafka Streams, "connect/sessioned" for a Connect worker): what kind of
     * application the client belongs to. Kept once, and cut short, since a client makes it up.
     */
    public void groupProtocol(String protocolType, String protocol) {
        if (groupProtocol == null && protocolType != null && !protocolType.isEmpty()) {
            String p = protocolType + "/" + (protocol == null ? "" : protocol);
            groupProtocol = p.length() <= MAX_PROTOCOL ? p : p.substring(0, MAX_PROTOCOL);
        }
    }

    void connected(String cluster) {
        connections.merge(cluster, 1, Integer::sum);
        lastCluster = cluster;
    }

    void disconnected(String cluster) {
        connections.computeIfPresent(cluster, (c, n) -> n <= 1 ? null : n - 1);
    }

    public boolean touches(Set<String> topics) {
        for (String t : topics) {
            if (produced.contains(t) || fetched.contains(t)) {
                return true;
            }
        }
        return false;
    }

    private static void add(Set<String> set, String value) {
        if (value != null && !value.isEmpty() && set.size() < MAX_NAMES) {
            set.add(value);
        }
    }

    /** An immutable copy, for the API and the state file. */
    public Snapshot snapshot() {
        Set<String> apiNames = new TreeSet<>();
        for (int k = 0; k < 128; k++) {
            if ((apis.get(k >> 6) & (1L << (k & 63))) != 0 && ApiKeys.hasId(k)) {
                apiNames.add(ApiKeys.forId(k).name);
            }
        }
        Map<String, Integer> now = new TreeMap<>(connections);
        String cluster = now.isEmpty() ? lastCluster : String.join("+", now.keySet());
        return new Snapshot(clientId, address, softwareName, softwareVersion, apiNames, new TreeSet<>(produced), new TreeSet<>(fetched),
            new TreeSet<>(groups), new TreeSet<>(transactionalIds), idempotent, !transactionalIds.isEmpty(), cluster,
            now.values().stream().mapToInt(Integer::intValue).sum(), Instant.ofEpochMilli(firstSeenMillis), Instant.ofEpochMilli(lastSeenMillis),
            groupProtocol, principal, oldScramNonce);
    }

    /** Restores what a snapshot held (after a restart): the client is known, not connected. */
    static ClientRecord restore(Snapshot s) {
        ClientRecord r = new ClientRecord(s.clientId(), s.address(), s.firstSeen().toEpochMilli());
        r.lastSeenMillis = s.lastSeen().toEpochMilli();
        r.software(s.softwareName(), s.softwareVersion());
        for (String api : s.apis()) {
            for (ApiKeys k : ApiKeys.values()) {
                if (k.name.equals(api)) {
                    r.used(k.id);
                }
            }
        }
        s.produced().forEach(r::produced);
        s.fetched().forEach(r::fetched);
        s.groups().forEach(r::group);
        s.transactionalIds().forEach(r::transactionalId);
        r.idempotent = s.idempotent();
        r.groupProtocol = s.groupProtocol();
        r.principal = s.principal();
        r.oldScramNonce = s.oldScramNonce();
        r.lastCluster = s.cluster();
        return r;
    }

    public record Snapshot(String clientId, String address, String softwareName, String softwareVersion, Set<String> apis,
                           Set<String> produced, Set<String> fetched, Set<String> groups, Set<String> transactionalIds,
                           boolean idempotent, boolean transactional, String cluster, int connections, Instant firstSeen,
                           Instant lastSeen, String groupProtocol, String principal, boolean oldScramNonce) {
        /** As before principals were recorded. */
        public Snapshot(String clientId, String address, String softwareName, String softwareVersion, Set<String> apis,
                        Set<String> produced, Set<String> fetched, Set<String> groups, Set<String> transactionalIds,
                        boolean idempotent, boolean transactional, String cluster, int connections, Instant firstSeen,
                        Instant lastSeen, String groupProtocol) {
            this(clientId, address, softwareName, softwareVersion, apis, produced, fetched, groups, transactionalIds, idempotent,
                transactional, cluster, connections, firstSeen, lastSeen, groupProtocol, null, false);
        }
    }
}
