package io.cutover.proxy.server.wave;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.inventory.ClientInventory;
import io.cutover.proxy.core.inventory.PrincipalRecord;
import io.cutover.proxy.core.wave.GateResult;
import io.cutover.proxy.core.wave.PrincipalNeeds;
import io.cutover.proxy.core.wave.TargetQuotas;
import io.cutover.proxy.core.wave.Wave;
import io.cutover.proxy.server.config.ProxyConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The {@code quotas-on-target} gate, a warning that never blocks: each principal that uses the wave's
 * resources is compared, quota by quota (produce and fetch bytes per second), with the client quota
 * the target would apply to it (user and client id, as a broker resolves them: {@link TargetQuotas}).
 * A principal whose quota there is below the peak rate it has through the proxy now would be
 * throttled after the switch: named, with both numbers. Quotas are per broker and rates are the
 * principal's whole traffic through the proxy (not only the wave's topics), so a warning may be
 * pessimistic; it is the operator's call, which is why this gate informs and does not fail.
 */
final class QuotasOnTarget {
    static final String GATE = "quotas-on-target";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TITLE = "The target's client quotas fit what the wave's principals use today (a warning, never blocks)";

    private final ClusterAdmins admins;
    private final ClientInventory inventory;

    QuotasOnTarget(ClusterAdmins admins, ClientInventory inventory) {
        this.admins = admins;
        this.inventory = inventory;
    }

    GateResult check(Wave wave, WaveTransactionalIds moving) {
        ObjectNode evidence = JSON.createObjectNode();
        List<String> warnings = new ArrayList<>();
        evidence.put("note", "rates are the highest 10 s average of the last one to two hours through the proxy, over all of a "
            + "principal's traffic; a broker enforces a quota per broker");
        ArrayNode rows = evidence.putArray("principals");
        TargetQuotas quotas;
        try {
            quotas = new TargetQuotas(admins.clientQuotas(ProxyConfig.TARGET));
        } catch (ClusterAdmins.ClusterCallException e) {
            warnings.add("cannot read the target's client quotas (" + e.getMessage() + "): not compared");
            return new GateResult(GATE, TITLE, true, evidence, warnings, "");
        }
        Set<String> topics = new TreeSet<>(wave.topics());
        Set<String> groups = new TreeSet<>(wave.groups());
        for (PrincipalRecord.Snapshot p : inventory.principals().snapshot()) {
            if (PrincipalNeeds.of(p, topics, groups, moving::matches).isEmpty()) {
                continue;
            }
            ObjectNode row = rows.addObject().put("principal", p.principal());
            compare(p, TargetQuotas.PRODUCE, "produces", Quota.PRODUCE, quotas, row.putArray("produce"), warnings);
            compare(p, TargetQuotas.FETCH, "fetches", Quota.FETCH, quotas, row.putArray("fetch"), warnings);
        }
        evidence.putArray("problems");
        return new GateResult(GATE, TITLE, true, evidence, warnings, "");
    }

    private enum Quota {
        PRODUCE, FETCH;

        long of(PrincipalRecord.Rates r) {
            return this == PRODUCE ? r.produceBytesPerSecond() : r.fetchBytesPerSecond();
        }
    }

    /**
     * Client ids that resolve to the same bucket share its quota, so their rates add up; a client id
     * no quota applies to is not limited.
     */
    private static void compare(PrincipalRecord.Snapshot p, String key, String verb, Quota which, TargetQuotas quotas, ArrayNode rows,
                                List<String> warnings) {
        Map<String, Bucket> buckets = new TreeMap<>();
        p.rates().forEach((clientId, rates) -> quotas.resolve(p.principal(), clientId, key).ifPresent(applied ->
            buckets.computeIfAbsent(applied.bucket(), b -> new Bucket(applied)).add(clientId, which.of(rates))));
        buckets.forEach((name, b) -> {
            long quota = (long) b.applied.value();
            rows.addObject().put("entity", b.applied.entity()).put("quotaBytesPerSecond", quota).put("bytesPerSecond", b.rate)
                .put("clientIds", String.join(", ", b.clientIds));
            if (b.rate > quota) {
                warnings.add("principal " + p.principal() + " " + verb + " up to " + b.rate + " B/s through the proxy (client ids "
                    + String.join(", ", b.clientIds) + "), above its " + key + " quota of " + quota + " B/s on the target ("
                    + b.applied.entity() + "): it would be throttled there");
            }
        });
    }

    private static final class Bucket {
        final TargetQuotas.Applied applied;
        final Set<String> clientIds = new TreeSet<>();
        long rate;

        Bucket(TargetQuotas.Applied applied) {
            this.applied = applied;
        }

        void add(String clientId, long bytesPerSecond) {
            clientIds.add(clientId);
            rate += bytesPerSecond;
        }
    }
}
