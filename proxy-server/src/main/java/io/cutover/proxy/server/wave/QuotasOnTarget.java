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
 * A broker keys quotas by the user it sees, which the target's identity mode decides
 * ({@link TargetPrincipal}): principals that reach it as one user (under service, all of them, as
 * the proxy's own) share that user's quotas, so their rates add up. Rates above the quota would be
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
    private final TargetPrincipal seen;

    QuotasOnTarget(ClusterAdmins admins, ClientInventory inventory, TargetPrincipal seen) {
        this.admins = admins;
        this.inventory = inventory;
        this.seen = seen;
    }

    GateResult check(Wave wave, WaveTransactionalIds moving) {
        ObjectNode evidence = JSON.createObjectNode();
        List<String> warnings = new ArrayList<>();
        evidence.put("note", "rates are the highest 10 s average of the last one to two hours through the proxy, over all of a "
            + "principal's traffic; a broker enforces a quota per broker");
        evidence.put("identity", seen.mode().configName());
        ArrayNode rows = evidence.putArray("users");
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
        compare(using, seen, quotas, rows, warnings);
        return new GateResult(GATE, TITLE, true, evidence, warnings, "");
    }

    /**
     * Each user the target sees, with the principals behind it, compared quota by quota; a row of
     * evidence per user. A principal the target sees no user for is left out: under mapped its
     * login there is refused (acls-on-target fails on it); under service the proxy cannot name its
     * own user (a TLS client certificate), which a warning says.
     */
    static void compare(List<PrincipalRecord.Snapshot> using, TargetPrincipal seen, TargetQuotas quotas, ArrayNode rows,
                        List<String> warnings) {
        Map<String, List<PrincipalRecord.Snapshot>> byUser = new TreeMap<>();
        for (PrincipalRecord.Snapshot p : using) {
            seen.userFor(p.principal()).ifPresent(u -> byUser.computeIfAbsent(u, k -> new ArrayList<>()).add(p));
        }
        if (seen.shared() && byUser.isEmpty()) {
            warnings.add("the proxy's own user on the target, which carries every client (identity service), has no name the proxy "
                + "knows (a TLS client certificate): its quotas were not compared");
        }
        byUser.forEach((user, principals) -> {
            ObjectNode row = rows.addObject().put("user", user);
            ArrayNode names = row.putArray("principals");
            principals.forEach(p -> names.add(p.principal()));
            for (Quota q : Quota.values()) {
                compare(user, principals, seen, q, quotas, row.putArray(q.evidenceName), warnings);
            }
        });
    }

    /** The two byte-rate quotas, each compared with the rate it limits. */
    private enum Quota {
        PRODUCE(TargetQuotas.PRODUCE, "produce", "produces", "produce"),
        FETCH(TargetQuotas.FETCH, "fetch", "fetches", "fetch");

        final String key;
        final String evidenceName;
        final String verb;
        final String pluralVerb;

        Quota(String key, String evidenceName, String verb, String pluralVerb) {
            this.key = key;
            this.evidenceName = evidenceName;
            this.verb = verb;
            this.pluralVerb = pluralVerb;
        }

        long of(PrincipalRecord.Rates r) {
            return this == PRODUCE ? r.produceBytesPerSecond() : r.fetchBytesPerSecond();
        }
    }

    /**
     * Client ids that resolve to the same bucket of {@code user} share its quota, so their rates add
     * up, over every principal the target sees as that user; a client id no quota applies to is not
     * limited.
     */
    private static void compare(String user, List<PrincipalRecord.Snapshot> principals, TargetPrincipal seen, Quota quota,
                                TargetQuotas quotas, ArrayNode rows, List<String> warnings) {
        Map<String, Bucket> buckets = new TreeMap<>();
        for (PrincipalRecord.Snapshot p : principals) {
            p.rates().forEach((clientId, rates) -> quotas.resolve(user, clientId, quota.key).ifPresent(applied ->
                buckets.computeIfAbsent(applied.bucket(), b -> new Bucket(applied)).add(clientId, quota.of(rates))));
        }
        String who = principals.size() == 1 ? "principal " + seen.describe(principals.get(0).principal()) + " " + quota.verb
            : "principals " + String.join(", ", principals.stream().map(PrincipalRecord.Snapshot::principal).toList()) + " (as " + user
                + " on the target, identity " + seen.mode().configName() + ") " + quota.pluralVerb + " together";
        buckets.forEach((name, b) -> {
            long limit = (long) b.applied.value();
            rows.addObject().put("entity", b.applied.entity()).put("quotaBytesPerSecond", limit).put("bytesPerSecond", b.rate)
                .put("clientIds", String.join(", ", b.clientIds));
            if (b.rate > limit) {
                warnings.add(who + " up to " + b.rate + " B/s through the proxy (client ids " + String.join(", ", b.clientIds)
                    + "), above the " + quota.key + " quota of " + limit + " B/s on the target (" + b.applied.entity()
                    + "): it would be throttled there");
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
