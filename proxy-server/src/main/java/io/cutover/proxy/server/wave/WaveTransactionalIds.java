package io.cutover.proxy.server.wave;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.inventory.ApplicationKind;
import io.cutover.proxy.core.inventory.Applications;
import io.cutover.proxy.core.inventory.ClientInventory;
import io.cutover.proxy.core.inventory.ClientRecord;
import io.cutover.proxy.core.routing.MatchType;
import io.cutover.proxy.core.routing.ResourceType;
import io.cutover.proxy.core.routing.RouteRule;
import io.cutover.proxy.core.wave.Wave;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The transactional ids a wave moves with its topics: a transaction's writes and its coordinator
 * must be on one cluster, so a producer that writes the wave's topics transactionally moves with
 * them, between two of its transactions. Found in the client inventory: the ids of the clients
 * that wrote the wave's topics, and for a Kafka Streams application among the wave's groups, every
 * id it will ever make ({@code application.id-}, as exactly_once_v2 names them
 * {@code application.id-processId-thread}), so that an instance started after the switch
 * initialises on the target too.
 */
public record WaveTransactionalIds(Set<String> exact, Set<String> prefixes) {
    public static final WaveTransactionalIds NONE = new WaveTransactionalIds(Set.of(), Set.of());

    public WaveTransactionalIds {
        exact = Set.copyOf(exact);
        prefixes = Set.copyOf(prefixes);
    }

    static WaveTransactionalIds of(Wave wave, ClientInventory inventory) {
        if (inventory == null) {
            return NONE;
        }
        Set<String> exact = new TreeSet<>();
        Set<String> prefixes = new TreeSet<>();
        List<ClientRecord.Snapshot> clients = inventory.snapshot();
        for (ClientRecord.Snapshot s : clients) {
            if (!s.transactionalIds().isEmpty() && s.produced().stream().anyMatch(wave.topics()::contains)) {
                exact.addAll(s.transactionalIds());
            }
        }
        Applications applications = Applications.of(clients);
        applications.all().forEach(a -> {
            if (a.kind() == ApplicationKind.KAFKA_STREAMS && wave.groups().contains(a.name())) {
                prefixes.add(a.name() + "-");
            }
        });
        exact.removeIf(id -> prefixes.stream().anyMatch(id::startsWith));
        return new WaveTransactionalIds(exact, prefixes);
    }

    /** As recorded in a switch report, so that a rollback moves back what the switch moved. */
    static WaveTransactionalIds fromReport(JsonNode report) {
        JsonNode node = report == null ? null : report.get("transactionalIds");
        if (node == null || !node.isObject()) {
            return NONE;
        }
        Set<String> exact = new TreeSet<>();
        Set<String> prefixes = new TreeSet<>();
        node.path("exact").forEach(n -> exact.add(n.asText()));
        node.path("prefixes").forEach(n -> prefixes.add(n.asText()));
        return new WaveTransactionalIds(exact, prefixes);
    }

    WaveTransactionalIds and(WaveTransactionalIds other) {
        Set<String> e = new TreeSet<>(exact);
        e.addAll(other.exact);
        Set<String> p = new TreeSet<>(prefixes);
        p.addAll(other.prefixes);
        return new WaveTransactionalIds(e, p);
    }

    public boolean isEmpty() {
        return exact.isEmpty() && prefixes.isEmpty();
    }

    public boolean matches(String transactionalId) {
        if (transactionalId == null) {
            return false;
        }
        if (exact.contains(transactionalId)) {
            return true;
        }
        for (String p : prefixes) {
            if (transactionalId.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /** The route rules that send these ids, for the wave's clients, to {@code cluster}. */
    List<RouteRule> rules(Wave wave, String cluster) {
        List<RouteRule> rules = new ArrayList<>();
        exact.forEach(id -> rules.add(new RouteRule(ResourceType.TRANSACTIONAL_ID, MatchType.EXACT, id, wave.clients(), cluster)));
        prefixes.forEach(p -> rules.add(new RouteRule(ResourceType.TRANSACTIONAL_ID, MatchType.PREFIX, p, wave.clients(), cluster)));
        return rules;
    }

    ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        exact.stream().sorted().forEach(node.putArray("exact")::add);
        prefixes.stream().sorted().forEach(node.putArray("prefixes")::add);
        return node;
    }
}
