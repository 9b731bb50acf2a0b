package io.cutover.proxy.core.inventory;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the clients that logged in as one principal did through the proxy: the topics they wrote and
 * read, the groups they used, their transactional ids, the addresses and client ids they came with,
 * and their produce and fetch byte rates per client id. What the principal must be allowed on a
 * target, and the quota it needs there, is read from here rather than from the client records, since
 * one client.id from one address (the Java producer's default {@code producer-1}) may log in as several
 * principals. Updated from event loops without locks; every set is bounded, since a client names what
 * goes in it.
 */
public final class PrincipalRecord {
    static final int MAX_CLIENT_IDS = 100;
    static final int MAX_ADDRESSES = 100;
    /** Where the traffic of client ids past {@link #MAX_CLIENT_IDS} is counted. */
    public static final String OTHER_CLIENT_IDS = "(other client ids)";

    private final String principal;
    private final Set<String> produced = ConcurrentHashMap.newKeySet();
    private final Set<String> fetched = ConcurrentHashMap.newKeySet();
    private final Set<String> groups = ConcurrentHashMap.newKeySet();
    private final Set<String> transactionalIds = ConcurrentHashMap.newKeySet();
    private final Set<String> addresses = ConcurrentHashMap.newKeySet();
    private final Map<String, Traffic> traffic = new ConcurrentHashMap<>();
    private volatile long lastSeenMillis;

    PrincipalRecord(String principal, long nowMillis) {
        this.principal = principal;
        this.lastSeenMillis = nowMillis;
    }

    public String principal() {
        return principal;
    }

    long lastSeenMillis() {
        return lastSeenMillis;
    }

    public void seen(long nowMillis) {
        lastSeenMillis = nowMillis;
    }

    public void produced(String topic) {
        add(produced, topic, ClientRecord.MAX_NAMES);
    }

    public void fetched(String topic) {
        add(fetched, topic, ClientRecord.MAX_NAMES);
    }

    public void group(String group) {
        add(groups, group, ClientRecord.MAX_NAMES);
    }

    public void transactionalId(String id) {
        add(transactionalIds, id, ClientRecord.MAX_NAMES);
    }

    public void address(String address) {
        add(addresses, address, MAX_ADDRESSES);
    }

    /** The byte counters of one of the principal's client ids; ask once per connection, then count on it. */
    public Traffic traffic(String clientId, long nowMillis) {
        String key = clientId == null ? "" : clientId;
        Traffic t = traffic.get(key);
        if (t != null) {
            return t;
        }
        if (traffic.size() >= MAX_CLIENT_IDS) {
            key = OTHER_CLIENT_IDS;
        }
        return traffic.computeIfAbsent(key, k -> new Traffic(nowMillis));
    }

    private static void add(Set<String> set, String value, int max) {
        if (value != null && !value.isEmpty() && set.size() < max) {
            set.add(value);
        }
    }

    public Snapshot snapshot(long nowMillis) {
        Map<String, Rates> rates = new TreeMap<>();
        traffic.forEach((id, t) -> rates.put(id, new Rates(t.produce.peakBytesPerSecond(nowMillis), t.fetch.peakBytesPerSecond(nowMillis))));
        return new Snapshot(principal, new TreeSet<>(produced), new TreeSet<>(fetched), new TreeSet<>(groups),
            new TreeSet<>(transactionalIds), new TreeSet<>(addresses), rates);
    }

    static PrincipalRecord restore(Snapshot s, long nowMillis) {
        PrincipalRecord r = new PrincipalRecord(s.principal(), nowMillis);
        s.produced().forEach(r::produced);
        s.fetched().forEach(r::fetched);
        s.groups().forEach(r::group);
        s.transactionalIds().forEach(r::transactionalId);
        s.addresses().forEach(r::address);
        return r;
    }

    /** Produce request bytes and Fetch response bytes of one client id of the principal. */
    public static final class Traffic {
        private final ByteRate produce;
        private final ByteRate fetch;

        Traffic(long nowMillis) {
            produce = new ByteRate(nowMillis);
            fetch = new ByteRate(nowMillis);
        }

        public void produced(int bytes, long nowMillis) {
            produce.add(bytes, nowMillis);
        }

        public void fetched(int bytes, long nowMillis) {
            fetch.add(bytes, nowMillis);
        }
    }

    /** Peak window averages in bytes per second (see {@link ByteRate}). */
    public record Rates(long produceBytesPerSecond, long fetchBytesPerSecond) {
    }

    /**
     * A copy for the gates and the state file. {@code rates} are by client id, and only for what was
     * seen since the proxy started: they are not saved.
     */
    public record Snapshot(String principal, Set<String> produced, Set<String> fetched, Set<String> groups, Set<String> transactionalIds,
                           Set<String> addresses, Map<String, Rates> rates) {
    }
}
