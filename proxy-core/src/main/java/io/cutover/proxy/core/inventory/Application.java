package io.cutover.proxy.core.inventory;

import java.util.Collections;
import java.util.List;
import java.util.TreeSet;
import java.util.Set;

/**
 * One application as the inventory sees it: the clients that belong together (the threads of a
 * Streams application, the workers and tasks of a Connect cluster, a consumer group's members), with
 * the groups and topics they use between them.
 *
 * @param clients        "clientId@address" of each client, sorted
 * @param topics         every topic its clients wrote or read
 * @param internalTopics the topics that only exist for the application: a Streams application's
 *                       changelog and repartition topics, a Connect cluster's config, offset and status topics
 * @param connectors     the connectors a Connect cluster runs (empty for other kinds)
 */
public record Application(ApplicationKind kind, String name, List<String> clients, Set<String> groups, Set<String> topics,
                          Set<String> internalTopics, Set<String> connectors, int connections) {
    public Application {
        clients = List.copyOf(clients);
        groups = sorted(groups);
        topics = sorted(topics);
        internalTopics = sorted(internalTopics);
        connectors = sorted(connectors);
    }

    private static Set<String> sorted(Set<String> names) {
        return Collections.unmodifiableSortedSet(new TreeSet<>(names));
    }

    /** The key that names it in the inventory: kind and name, since a consumer group and a client may share a name. */
    public String key() {
        return kind.label() + ":" + name;
    }
}
