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
        evidence.putArray("problems");
        Set<String> topics = new TreeSet<>(wave.topics());
        Set<String> groups = new TreeSet<>(wave.groups());
        List<PrincipalRecord.Snapshot> using = inventory.principals().snapshot().stream()
            .filter(p -> !PrincipalNeeds.of(p, topics, groups, moving::matches).isEmpty()).toList();
        if (using.isEmpty()) {
            return new GateResult(GATE, TITLE, true, evidence, warnings, ""); // nobody to compare: the target is not asked
        }
        TargetQuotas quotas;
        try {
            quotas = new TargetQuotas(admins.clientQuotas(ProxyConfig.TARGET));
        } catch (ClusterAdmins.ClusterCallException e) {
            warnings.add("cannot read the target's client quotas (" + e.getMessage() + "): not compared");
            return new GateResult(GATE, TITLE, true, evidence, warnings, "");
        }
        for (PrincipalRecord.Snapshot p : using) {
            ObjectNode row = rows.addObject().put("principal", p.principal());
            for (Quota q : Quota.values()) {
                compare(p, q, quotas, row.putArray(q.evidenceName), warnings);
            }
        }
        return new GateResult(GATE, TITLE, true, evidence, warnings, "");
    }

    /** The two byte-rate quotas, each compared with the rate it limits. */
    private enum Quota {
        PRODUCE(TargetQuotas.PRODUCE, "produce", "produces"),
        FETCH(TargetQuotas.FETCH, "fetch", "fetches");

        final String key;
        final String evidenceName;
        final String verb;

        Quota(String key, String evidenceName, String verb) {
            this.key = key;
            this.evidenceName = evidenceName;
            this.verb = verb;
        }

        long of(PrincipalRecord.Rates r) {
            return this == PRODUCE ? r.produceBytesPerSecond() : r.fetchBytesPerSecond();
        }
    }

    /**
     * Client ids that resolve to the same bucket share its quota, so their rates add up; a client id
     * no quota applies to is not limited.
     */
    private static void compare(PrincipalRecord.Snapshot p, Quota quota, TargetQuotas quotas, ArrayNode rows, List<String> warnings) {
        Map<String, Bucket> buckets = new TreeMap<>();
        p.rates().forEach((clientId, rates) -> quotas.resolve(p.principal(), clientId, quota.key).ifPresent(applied ->
            buckets.computeIfAbsent(applied.bucket(), b -> new Bucket(applied)).add(clientId, quota.of(rates))));
        buckets.forEach((name, b) -> {
            long limit = (long) b.applied.value();
            rows.addObject().put("entity", b.applied.entity()).put("quotaBytesPerSecond", limit).put("bytesPerSecond", b.rate)
                .put("clientIds", String.join(", ", b.clientIds));
            if (b.rate > limit) {
                warnings.add("principal " + p.principal() + " " + quota.verb + " up to " + b.rate + " B/s through the proxy (client ids "
                    + String.join(", ", b.clientIds) + "), above its " + quota.key + " quota of " + limit + " B/s on the target ("
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
