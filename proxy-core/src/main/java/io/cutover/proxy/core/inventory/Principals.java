package io.cutover.proxy.core.inventory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The principals clients logged in to the proxy as (listener.sasl, or a client certificate), each
 * with what its clients did. Bounded: at most {@code cap} principals, the least recently seen
 * forgotten first. A principal is who a client proved to be, yet the bound holds anyway: a users
 * file or a CA can name many.
 */
public final class Principals {
    private final Map<String, PrincipalRecord> records = new ConcurrentHashMap<>();
    private final int cap;
    private final Clock clock;

    Principals(int cap, Clock clock) {
        this.cap = cap;
        this.clock = clock;
    }

    /** The record of {@code principal}, made when first seen. */
    public PrincipalRecord of(String principal) {
        long now = clock.millis();
        PrincipalRecord r = records.get(principal);
        if (r == null) {
            if (records.size() >= cap) {
                records.values().stream().min(Comparator.comparingLong(PrincipalRecord::lastSeenMillis))
                    .ifPresent(oldest -> records.remove(oldest.principal(), oldest));
            }
            r = records.computeIfAbsent(principal, p -> new PrincipalRecord(p, now));
        }
        r.seen(now);
        return r;
    }

    public List<PrincipalRecord.Snapshot> snapshot() {
        long now = clock.millis();
        List<PrincipalRecord.Snapshot> out = new ArrayList<>();
        records.values().forEach(r -> out.add(r.snapshot(now)));
        out.sort(Comparator.comparing(PrincipalRecord.Snapshot::principal));
        return out;
    }

    void restore(PrincipalRecord.Snapshot s) {
        if (records.size() < cap) {
            records.put(s.principal(), PrincipalRecord.restore(s, clock.millis()));
        }
    }

    public int size() {
        return records.size();
    }
}
