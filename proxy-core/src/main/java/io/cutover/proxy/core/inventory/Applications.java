package io.cutover.proxy.core.inventory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Clients grouped into the applications they belong to, from what the inventory knows of each:
 * <ul>
 *   <li>Kafka Streams: client ids "{id}-{process uuid}-StreamThread-N-consumer" (also -producer,
 *       StateUpdater-N-restore-consumer, GlobalStreamThread, -admin), or the "stream" assignor in JoinGroup, or the
 *       Streams group heartbeat. The application is its application.id: the group of its consumers,
 *       which every client of the same process uuid shares.</li>
 *   <li>Kafka Connect: workers join their group with protocol type "connect"; their storage clients
 *       are "{group}-offsets", "-statuses", "-configs"; connector tasks are
 *       "connector-consumer-{connector}-{task}" (group "connect-{connector}") and
 *       "connector-producer-{connector}-{task}". A task is put with the Connect cluster whose workers
 *       connect from the same address, when there is exactly one.</li>
 *   <li>MirrorMaker 2: its connectors' clients (Mirror*Connector, "a->b|..." client ids) and clients of
 *       its internal topics.</li>
 *   <li>Everything else: a consumer group is one application, as is any other client id.</li>
 * </ul>
 * Computed from a snapshot when asked (GET /clients, a gate check), never on the request path.
 */
public final class Applications {
    private static final String UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
    private static final Pattern STREAMS_CLIENT = Pattern.compile(
        "(.+)-(" + UUID + ")-(?:StreamThread-\\d+|GlobalStreamThread|StateUpdater-\\d+|admin|consumer|producer)(?:-.*)?");
    private static final Pattern CONNECTOR_TASK = Pattern.compile(
        "connector-(?:consumer|producer|adminclient|dlq-producer)-(.+)-(\\d+)");
    private static final Pattern CONNECT_STORAGE = Pattern.compile("(.+)-(?:offsets|statuses|configs|shared-admin)");
    private static final Pattern MM2_FLOW = Pattern.compile("([^|\\s]+->[^|\\s]+)(?:\\|.*)?");
    private static final Pattern MM2_TOPIC = Pattern.compile(
        "mm2-offset-syncs\\..+\\.internal|.+\\.checkpoints\\.internal|heartbeats|.+\\.heartbeats|mm2-(?:configs|offsets|status)\\..+\\.internal");
    private static final String MIRROR_CONNECTOR = "Mirror(?:Source|Checkpoint|Heartbeat)Connector";
    private static final Pattern MIRROR_CONNECTOR_IN_ID = Pattern.compile(".*" + MIRROR_CONNECTOR + ".*");
    /** Where the connectors of a Connect cluster whose workers were not seen are put. */
    static final String UNKNOWN_CONNECT_CLUSTER = "connect";

    /** The application a client belongs to. */
    public record Membership(ApplicationKind kind, String name) {
    }

    private final List<Application> applications;
    private final Map<String, Membership> byClient;

    private Applications(List<Application> applications, Map<String, Membership> byClient) {
        this.applications = List.copyOf(applications);
        this.byClient = Map.copyOf(byClient);
    }

    /** Every application, by kind then name. */
    public List<Application> all() {
        return applications;
    }

    /** The application of the client "clientId@address" (null for a client not in the snapshot). */
    public Membership of(ClientRecord.Snapshot client) {
        return byClient.get(key(client));
    }

    /** True when {@code topic} exists only for the Streams application {@code applicationId}: a changelog or repartition topic. */
    public static boolean isStreamsInternal(String applicationId, String topic) {
        return topic.startsWith(applicationId + "-")
            && (topic.endsWith("-changelog") || topic.endsWith("-repartition") || topic.endsWith("-topic"));
    }

    public static Applications of(Collection<ClientRecord.Snapshot> clients) {
        Map<String, String> streamsByProcess = streamsApplicationsByProcess(clients);
        Map<String, Set<String>> connectClustersByAddress = new HashMap<>();
        Set<String> connectGroups = new TreeSet<>();
        for (ClientRecord.Snapshot c : clients) {
            if (isConnectWorker(c) && !c.groups().isEmpty()) {
                String cluster = c.groups().iterator().next();
                connectGroups.add(cluster);
                connectClustersByAddress.computeIfAbsent(c.address(), a -> new TreeSet<>()).add(cluster);
            }
        }
        Map<String, Builder> apps = new LinkedHashMap<>();
        Map<String, Membership> byClient = new HashMap<>();
        for (ClientRecord.Snapshot c : clients) {
            Membership m = classify(c, streamsByProcess, connectGroups, connectClustersByAddress);
            byClient.put(key(c), m);
            Builder b = apps.computeIfAbsent(m.kind().label() + ":" + m.name(), k -> new Builder(m.kind(), m.name()));
            b.add(c);
            internalTopics(m, c, b);
        }
        List<Application> out = new ArrayList<>();
        apps.values().forEach(b -> out.add(b.build()));
        out.sort(Comparator.comparing(Application::kind).thenComparing(Application::name));
        return new Applications(out, byClient);
    }

    private static Membership classify(ClientRecord.Snapshot c, Map<String, String> streamsByProcess, Set<String> connectGroups,
                                       Map<String, Set<String>> connectClustersByAddress) {
        String id = c.clientId();
        if (isMirrorMaker(c)) {
            Matcher flow = MM2_FLOW.matcher(id);
            return new Membership(ApplicationKind.MIRRORMAKER2, flow.matches() ? flow.group(1) : "mirrormaker2");
        }
        Matcher streams = STREAMS_CLIENT.matcher(id);
        if (streams.matches()) {
            String app = streamsByProcess.getOrDefault(streams.group(2).toLowerCase(java.util.Locale.ROOT), streams.group(1));
            return new Membership(ApplicationKind.KAFKA_STREAMS, app);
        }
        if (isStreamsMember(c)) {
            return new Membership(ApplicationKind.KAFKA_STREAMS, c.groups().isEmpty() ? id : c.groups().iterator().next());
        }
        if (isConnectWorker(c)) {
            return new Membership(ApplicationKind.KAFKA_CONNECT, c.groups().isEmpty() ? id : c.groups().iterator().next());
        }
        Matcher storage = CONNECT_STORAGE.matcher(id);
        if (storage.matches()) {
            for (String g : connectGroups) {
                if (storage.group(1).equals(g) || storage.group(1).startsWith(g + "-")) {
                    return new Membership(ApplicationKind.KAFKA_CONNECT, g);
                }
            }
        }
        if (CONNECTOR_TASK.matcher(id).matches()) {
            Set<String> here = connectClustersByAddress.getOrDefault(c.address(), Set.of());
            return new Membership(ApplicationKind.KAFKA_CONNECT, here.size() == 1 ? here.iterator().next() : UNKNOWN_CONNECT_CLUSTER);
        }
        String name = id.isEmpty() ? "(no client id)" : id;
        if (!c.groups().isEmpty()) {
            return new Membership(ApplicationKind.CONSUMER, c.groups().iterator().next());
        }
        if (!c.fetched().isEmpty() || c.apis().contains(ApiKeys.JOIN_GROUP.name)
            || c.apis().contains(ApiKeys.CONSUMER_GROUP_HEARTBEAT.name)) {
            return new Membership(ApplicationKind.CONSUMER, name);
        }
        if (!c.produced().isEmpty() || c.apis().contains(ApiKeys.PRODUCE.name)) {
            return new Membership(ApplicationKind.PRODUCER, name);
        }
        return new Membership(ApplicationKind.OTHER, name);
    }

    /** A Streams process's clients share its uuid; its consumers know the application.id (their group). */
    private static Map<String, String> streamsApplicationsByProcess(Collection<ClientRecord.Snapshot> clients) {
        Map<String, String> out = new HashMap<>();
        for (ClientRecord.Snapshot c : clients) {
            Matcher m = STREAMS_CLIENT.matcher(c.clientId());
            if (m.matches() && !c.groups().isEmpty()) {
                out.putIfAbsent(m.group(2).toLowerCase(java.util.Locale.ROOT), c.groups().iterator().next());
            }
        }
        return out;
    }

    private static boolean isStreamsMember(ClientRecord.Snapshot c) {
        return "consumer/stream".equals(c.groupProtocol()) || c.apis().contains(ApiKeys.STREAMS_GROUP_HEARTBEAT.name);
    }

    private static boolean isConnectWorker(ClientRecord.Snapshot c) {
        return c.groupProtocol() != null && c.groupProtocol().startsWith("connect/");
    }

    private static boolean isMirrorMaker(ClientRecord.Snapshot c) {
        if (MIRROR_CONNECTOR_IN_ID.matcher(c.clientId()).matches() || MM2_FLOW.matcher(c.clientId()).matches()) {
            return true;
        }
        return c.produced().stream().anyMatch(t -> MM2_TOPIC.matcher(t).matches());
    }

    private static void internalTopics(Membership m, ClientRecord.Snapshot c, Builder b) {
        switch (m.kind()) {
            case KAFKA_STREAMS -> {
                for (String t : topics(c)) {
                    if (isStreamsInternal(m.name(), t)) {
                        b.internalTopics.add(t);
                    }
                }
            }
            case KAFKA_CONNECT -> {
                Matcher task = CONNECTOR_TASK.matcher(c.clientId());
                if (task.matches()) {
                    b.connectors.add(task.group(1));
                } else if (CONNECT_STORAGE.matcher(c.clientId()).matches()) {
                    b.internalTopics.addAll(topics(c));
                }
            }
            case MIRRORMAKER2 -> topics(c).stream().filter(t -> MM2_TOPIC.matcher(t).matches()).forEach(b.internalTopics::add);
            default -> {
            }
        }
    }

    private static Set<String> topics(ClientRecord.Snapshot c) {
        Set<String> all = new TreeSet<>(c.produced());
        all.addAll(c.fetched());
        return all;
    }

    private static String key(ClientRecord.Snapshot c) {
        return c.clientId() + "@" + c.address();
    }

    private static final class Builder {
        final ApplicationKind kind;
        final String name;
        final List<String> clients = new ArrayList<>();
        final Set<String> groups = new TreeSet<>();
        final Set<String> topics = new TreeSet<>();
        final Set<String> internalTopics = new TreeSet<>();
        final Set<String> connectors = new TreeSet<>();
        int connections;

        Builder(ApplicationKind kind, String name) {
            this.kind = kind;
            this.name = name;
        }

        void add(ClientRecord.Snapshot c) {
            clients.add(key(c));
            groups.addAll(c.groups());
            topics.addAll(topics(c));
            connections += c.connections();
        }

        Application build() {
            clients.sort(null);
            return new Application(kind, name, clients, groups, topics, internalTopics, connectors, connections);
        }
    }
}
