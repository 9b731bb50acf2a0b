package io.cutover.proxy.core.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.state.AtomicFiles;
import io.cutover.proxy.core.state.CorruptStateException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every client seen through the proxy, by client.id and address. Bounded: at most {@code cap}
 * clients (the least recently seen goes first) and none older than {@code retention}. Kept in
 * {@code clients.json} in the state directory, so the inventory survives a restart.
 */
public final class ClientInventory {
    public static final String FILE_NAME = "clients.json";
    static final int SHARED_CONSUMERS = 2_000;
    static final int SHARED_NAMES_PER_CONSUMER = 50;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Map<String, ClientRecord> clients = new ConcurrentHashMap<>();
    private final int cap;
    private final Duration retention;
    private final Clock clock;
    private final Path file;
    private final AtomicLong evicted = new AtomicLong();
    private final Principals principals;

    public ClientInventory(int cap, Duration retention, Clock clock, Path stateDir) {
        this.cap = cap;
        this.principals = new Principals(cap, clock);
        this.retention = retention;
        this.clock = clock;
        this.file = stateDir == null ? null : stateDir.resolve(FILE_NAME);
        load();
    }

    /** The record of a client that just sent its first request on a connection to {@code cluster}. */
    public ClientRecord connected(String clientId, String address, String cluster) {
        String key = (clientId == null ? "" : clientId) + "@" + address;
        ClientRecord r = clients.get(key);
        if (r == null) {
            if (clients.size() >= cap) {
                evictOldest();
            }
            r = clients.computeIfAbsent(key, k -> new ClientRecord(clientId == null ? "" : clientId, address, clock.millis()));
        }
        r.connected(cluster);
        r.seen(clock.millis());
        return r;
    }

    public void disconnected(ClientRecord r, String cluster) {
        r.disconnected(cluster);
        r.seen(clock.millis());
    }

    private void evictOldest() {
        clients.entrySet().stream().min(Comparator.comparingLong(e -> e.getValue().lastSeenMillis()))
            .ifPresent(e -> {
                if (clients.remove(e.getKey(), e.getValue())) {
                    evicted.incrementAndGet();
                }
            });
    }

    /** Every client, most recently seen first; clients past the retention are dropped on the way. */
    public List<ClientRecord.Snapshot> snapshot() {
        long oldest = clock.millis() - retention.toMillis();
        List<ClientRecord.Snapshot> out = new ArrayList<>();
        for (Map.Entry<String, ClientRecord> e : clients.entrySet()) {
            ClientRecord.Snapshot s = e.getValue().snapshot();
            if (s.connections() == 0 && e.getValue().lastSeenMillis() < oldest) {
                if (clients.remove(e.getKey(), e.getValue())) {
                    evicted.incrementAndGet();
                }
                continue;
            }
            out.add(s);
        }
        out.sort(Comparator.comparing(ClientRecord.Snapshot::lastSeen).reversed());
        return out;
    }

    /** Client ids that wrote or read any of {@code topics}. */
    public Set<String> touching(Set<String> topics) {
        Set<String> out = new TreeSet<>();
        clients.values().forEach(r -> {
            if (r.touches(topics)) {
                out.add(r.clientId());
            }
        });
        return out;
    }

    /** The members of one of {@code groups}, connected now, as {@link #memberKey}s (as far as their first group request told). */
    public Set<String> membersOf(Set<String> groups) {
        Set<String> out = new TreeSet<>();
        clients.values().forEach(r -> {
            ClientRecord.Snapshot s = r.snapshot();
            if (s.connections() > 0 && s.groups().stream().anyMatch(groups::contains)) {
                out.add(memberKey(s.clientId(), s.address()));
            }
        });
        return out;
    }

    /**
     * How a group member is told apart: client.id and address together, since a client.id often
     * repeats across an application's hosts (the Java consumer's default is consumer-GROUP-N).
     */
    public static String memberKey(String clientId, String address) {
        return clientId + "@" + address;
    }

    /**
     * The consumers this instance has seen, for the consumers-without-group gate. Membership is read
     * from the APIs a client used across all of its connections, so a consumer whose coordinator and
     * fetch connections differ is seen whole; in a fleet, the instances' facts are merged.
     */
    public ConsumerFacts consumerFacts(String instance) {
        return ConsumerFacts.of(instance, snapshot(), cap);
    }

    /**
     * As {@link #consumerFacts(String)}, small enough to share through the fleet's state topic in one
     * record (under its 1 MiB default): at most 2,000 consumers and 50 topics and groups each.
     */
    public ConsumerFacts sharedConsumerFacts(String instance) {
        return ConsumerFacts.of(instance, snapshot(), Math.min(cap, SHARED_CONSUMERS), SHARED_NAMES_PER_CONSUMER);
    }

    public int cap() {
        return cap;
    }

    /** What clients did by the principal they logged in as: for the gates that compare it with a target's ACLs and quotas. */
    public Principals principals() {
        return principals;
    }

    public long evicted() {
        return evicted.get();
    }

    public int size() {
        return clients.size();
    }

    /** Every client, with the application it belongs to, and the applications. */
    public ObjectNode toJson() {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode all = root.putArray("clients");
        List<ClientRecord.Snapshot> clients = snapshot();
        Applications apps = Applications.of(clients);
        for (ClientRecord.Snapshot s : clients) {
            ObjectNode n = toJson(s);
            Applications.Membership m = apps.of(s);
            n.putObject("application").put("kind", m.kind().label()).put("name", m.name());
            all.add(n);
        }
        ArrayNode byApp = root.putArray("applications");
        apps.all().forEach(a -> byApp.add(toJson(a)));
        ArrayNode byPrincipal = root.putArray("principals");
        for (PrincipalRecord.Snapshot p : principals.snapshot()) {
            ObjectNode n = toJson(p);
            ObjectNode rates = n.putObject("bytesPerSecond");
            p.rates().forEach((clientId, r) -> rates.putObject(clientId).put("produce", r.produceBytesPerSecond())
                .put("fetch", r.fetchBytesPerSecond()));
            byPrincipal.add(n);
        }
        root.put("cap", cap);
        root.put("evicted", evicted.get());
        return root;
    }

    /** The applications of the clients known now. */
    public Applications applications() {
        return Applications.of(snapshot());
    }

    public static ObjectNode toJson(Application a) {
        ObjectNode n = JSON.createObjectNode();
        n.put("kind", a.kind().label());
        n.put("name", a.name());
        a.clients().forEach(n.putArray("clients")::add);
        a.groups().forEach(n.putArray("groups")::add);
        a.topics().forEach(n.putArray("topics")::add);
        a.internalTopics().forEach(n.putArray("internalTopics")::add);
        a.connectors().forEach(n.putArray("connectors")::add);
        n.put("connections", a.connections());
        return n;
    }

    public static ObjectNode toJson(ClientRecord.Snapshot s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("clientId", s.clientId());
        n.put("softwareName", s.softwareName());
        n.put("softwareVersion", s.softwareVersion());
        n.putArray("addresses").add(s.address());
        s.apis().forEach(n.putArray("apis")::add);
        s.produced().forEach(n.putArray("produced")::add);
        s.fetched().forEach(n.putArray("fetched")::add);
        s.groups().forEach(n.putArray("groups")::add);
        s.transactionalIds().forEach(n.putArray("transactionalIds")::add);
        n.put("idempotent", s.idempotent());
        n.put("transactional", s.transactional());
        n.put("cluster", s.cluster());
        n.put("connections", s.connections());
        n.put("firstSeen", s.firstSeen().toString());
        n.put("lastSeen", s.lastSeen().toString());
        if (s.principal() != null) {
            n.put("principal", s.principal());
        }
        if (s.oldScramNonce()) {
            n.put("oldLibrdkafkaScramNonce", true);
        }
        if (s.groupProtocol() != null) {
            n.put("groupProtocol", s.groupProtocol());
        }
        return n;
    }

    /** The inventory as plain-text tables, for terminals: the applications, then their clients, application by application. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        List<ClientRecord.Snapshot> clients = snapshot();
        Applications apps = Applications.of(clients);
        sb.append(String.format("%-14s %-28s %-7s %-5s %-24s %-30s %s%n", "kind", "application", "clients", "conns", "groups", "topics",
            "internal topics"));
        for (Application a : apps.all()) {
            sb.append(String.format("%-14s %-28s %-7d %-5d %-24s %-30s %s%n", a.kind().label(), cut(a.name(), 28), a.clients().size(),
                a.connections(), cut(String.join(",", a.groups()), 24), cut(String.join(",", a.topics()), 30),
                String.join(",", a.internalTopics())));
        }
        sb.append('\n');
        Map<String, Integer> order = new java.util.HashMap<>();
        for (int i = 0; i < apps.all().size(); i++) {
            order.put(apps.all().get(i).key(), i);
        }
        List<ClientRecord.Snapshot> byApp = new ArrayList<>(clients);
        byApp.sort(Comparator.comparing((ClientRecord.Snapshot c) -> order.getOrDefault(key(apps.of(c)), -1)));
        sb.append(String.format("%-28s %-28s %-26s %-15s %-14s %-5s %-24s %-24s %-20s %s%n", "application", "client.id", "software", "address",
            "cluster", "conns", "produced", "fetched", "groups", "last seen"));
        for (ClientRecord.Snapshot s : byApp) {
            sb.append(String.format("%-28s ", cut(apps.of(s).kind().label() + ":" + apps.of(s).name(), 28)));
            sb.append(String.format("%-28s %-26s %-15s %-14s %-5d %-24s %-24s %-20s %s%n", cut(s.clientId(), 28),
                cut((s.softwareName() == null ? "?" : s.softwareName()) + " " + (s.softwareVersion() == null ? "" : s.softwareVersion()), 26),
                cut(s.address(), 15), cut(String.valueOf(s.cluster()), 14), s.connections(), cut(String.join(",", s.produced()), 24),
                cut(String.join(",", s.fetched()), 24), cut(String.join(",", s.groups()), 20), s.lastSeen()));
        }
        return sb.toString();
    }

    private static String key(Applications.Membership m) {
        return m.kind().label() + ":" + m.name();
    }

    private static String cut(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "~";
    }

    /**
     * Writes clients.json (temp, fsync, rename). Saves run on a timer and at shutdown; one at a
     * time, so the save that takes its snapshot last is also the one whose file stays.
     */
    public synchronized void save() {
        if (file == null) {
            return;
        }
        ObjectNode root = JSON.createObjectNode();
        ArrayNode all = root.putArray("clients");
        snapshot().forEach(s -> all.add(toJson(s)));
        ArrayNode byPrincipal = root.putArray("principals");
        principals.snapshot().forEach(p -> byPrincipal.add(toJson(p)));
        try {
            AtomicFiles.write(file, JSON.writeValueAsBytes(root));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private void load() {
        if (file == null) {
            return;
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new CorruptStateException(file, e.toString(), e);
        }
        try {
            JsonNode root = JSON.readTree(bytes);
            for (JsonNode n : root.path("clients")) {
                ClientRecord.Snapshot s = new ClientRecord.Snapshot(n.get("clientId").asText(), n.path("addresses").path(0).asText(),
                    n.hasNonNull("softwareName") ? n.get("softwareName").asText() : null,
                    n.hasNonNull("softwareVersion") ? n.get("softwareVersion").asText() : null, names(n.get("apis")),
                    names(n.get("produced")), names(n.get("fetched")), names(n.get("groups")), names(n.get("transactionalIds")),
                    n.path("idempotent").asBoolean(), n.path("transactional").asBoolean(),
                    n.hasNonNull("cluster") ? n.get("cluster").asText() : null, 0, Instant.parse(n.get("firstSeen").asText()),
                    Instant.parse(n.get("lastSeen").asText()), n.hasNonNull("groupProtocol") ? n.get("groupProtocol").asText() : null,
                    n.hasNonNull("principal") ? n.get("principal").asText() : null, n.path("oldLibrdkafkaScramNonce").asBoolean());
                if (clients.size() < cap) {
                    clients.put(s.clientId() + "@" + s.address(), ClientRecord.restore(s));
                }
            }
            for (JsonNode n : root.path("principals")) {
                principals.restore(new PrincipalRecord.Snapshot(n.get("principal").asText(), names(n.get("produced")),
                    names(n.get("fetched")), names(n.get("groups")), names(n.get("transactionalIds")), names(n.get("addresses")),
                    Map.of()));
            }
        } catch (IOException | RuntimeException e) {
            throw new CorruptStateException(file, e.getMessage(), e);
        }
    }

    /** What one principal's clients did; its byte rates only for what was seen since the proxy started (they are not saved). */
    public static ObjectNode toJson(PrincipalRecord.Snapshot p) {
        ObjectNode n = JSON.createObjectNode();
        n.put("principal", p.principal());
        p.produced().forEach(n.putArray("produced")::add);
        p.fetched().forEach(n.putArray("fetched")::add);
        p.groups().forEach(n.putArray("groups")::add);
        p.transactionalIds().forEach(n.putArray("transactionalIds")::add);
        p.addresses().forEach(n.putArray("addresses")::add);
        return n;
    }

    private static Set<String> names(JsonNode a) {
        Set<String> out = new TreeSet<>();
        if (a != null) {
            a.forEach(x -> out.add(x.asText()));
        }
        return out;
    }
}
