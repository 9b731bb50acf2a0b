package io.cutover.proxy.server.wave;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.capture.CaptureHub;
import io.cutover.proxy.core.capture.CaptureSpec;
import io.cutover.proxy.core.capture.CaptureStatus;
import io.cutover.proxy.core.capture.PcapngWriter;
import io.cutover.proxy.core.inventory.ClientInventory;
import io.cutover.proxy.core.wave.Wave;
import io.cutover.proxy.server.replay.CaptureFrames;
import io.cutover.proxy.server.replay.ReplayOptions;
import io.cutover.proxy.server.replay.ReplayReport;
import io.cutover.proxy.server.replay.Replayer;
import io.cutover.proxy.server.security.ClusterSockets;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * A pre-switch rehearsal: the wave's clients' recently captured requests replayed against the
 * target, and the same against the source, so that what only the target gets wrong stands out: a
 * missing topic, too few partitions, a version it lacks, an authorization it refuses. Each captured
 * connection is replayed over the cluster's own TLS and SASL, as the identity its client would
 * reach that cluster with ({@link RehearsalIdentities}), so an authorization the target refuses a
 * principal is a finding naming that principal. By default only read-only APIs are replayed;
 * Produce only when asked, into "<topic>.rehearsal" scratch topics.
 */
public final class WaveRehearsal {
    /** Read-only APIs, and FindCoordinator, which the group reads need in front of them. */
    static final Set<ApiKeys> READ_ONLY = Set.of(ApiKeys.API_VERSIONS, ApiKeys.METADATA, ApiKeys.LIST_OFFSETS, ApiKeys.FETCH,
        ApiKeys.OFFSET_FETCH, ApiKeys.DESCRIBE_GROUPS, ApiKeys.FIND_COORDINATOR);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CaptureHub captures;
    private final ClientInventory inventory;
    private final InetSocketAddress source;
    private final InetSocketAddress target;
    private final ClusterSockets sourceSockets;
    private final ClusterSockets targetSockets;

    /**
     * Rehearsals replaying to the clusters at {@code source} and {@code target}, each reached as its
     * {@code ...Sockets} say: TLS, SASL, and whom each captured connection logs in as.
     */
    public WaveRehearsal(CaptureHub captures, ClientInventory inventory, InetSocketAddress source, InetSocketAddress target,
                         ClusterSockets sourceSockets, ClusterSockets targetSockets) {
        this.captures = captures;
        this.inventory = inventory;
        this.source = source;
        this.target = target;
        this.sourceSockets = sourceSockets;
        this.targetSockets = targetSockets;
    }

    /** The rehearsal of {@code wave} from {@code captureName} (or the newest finished capture). */
    public ObjectNode run(Wave wave, boolean produce, String captureName) throws IOException, InterruptedException {
        Path file = captureFile(captureName);
        Set<ApiKeys> apis = new HashSet<>(READ_ONLY);
        Map<String, String> scratch = new HashMap<>();
        if (produce) {
            apis.add(ApiKeys.PRODUCE);
            wave.topics().forEach(t -> scratch.put(t, t + ".rehearsal"));
        }
        Predicate<String> clients = clientsOf(wave);
        Map<Integer, String> principals = CaptureFrames.principals(file, Set.of(PcapngWriter.KAFKA_PORT));
        RehearsalIdentities onTargetAs = new RehearsalIdentities(targetSockets, principals);
        RehearsalIdentities onSourceAs = new RehearsalIdentities(sourceSockets, principals);
        ReplayReport onTarget = replay(file, target, apis, clients, scratch, onTargetAs);
        ReplayReport onSource = replay(file, source, apis, clients, scratch, onSourceAs);

        List<String> findings = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Map<String, Map<String, Long>> t = onTarget.errorsByApi();
        Map<String, Map<String, Long>> s = onSource.errorsByApi();
        t.forEach((api, errors) -> errors.forEach((code, n) -> {
            long onSrc = s.getOrDefault(api, Map.of()).getOrDefault(code, 0L);
            // Authorization errors are the principals': each is a finding of its own below, by principal and resource.
            if (n > onSrc && !RehearsalFindings.isAuthorization(code)) {
                findings.add(api + ": " + code + " x" + n + " on the target, x" + onSrc + " on the source");
            }
        }));
        onTarget.unsupportedVersions().forEach((what, n) -> findings.add("version the target lacks: " + what + ", " + n + " requests"));
        RehearsalFindings access = new RehearsalFindings(onTargetAs, onTarget, onSource);
        findings.addAll(access.findings());
        warnings.addAll(onTargetAs.warnings(onTarget));
        warnings.addAll(onSourceAs.warnings(onSource));
        warnings.addAll(access.sourceRefusals());

        ObjectNode result = JSON.createObjectNode();
        result.put("wave", wave.name());
        result.put("at", Instant.now().toString());
        result.put("capture", file.getFileName().toString());
        result.put("produce", produce);
        apis.stream().map(a -> a.name).sorted().forEach(result.putArray("apis")::add);
        result.put("passed", findings.isEmpty());
        findings.forEach(result.putArray("findings")::add);
        result.set("authorizationFindings", access.json());
        warnings.forEach(result.putArray("warnings")::add);
        ObjectNode identity = result.putObject("identity");
        identity.set("target", onTargetAs.json(onTarget));
        identity.set("source", onSourceAs.json(onSource));
        result.set("errorsByApi", JSON.valueToTree(Map.of("target", t, "source", s)));
        result.set("target", JSON.readTree(onTarget.toJson()));
        result.set("source", JSON.readTree(onSource.toJson()));
        return result;
    }

    private Predicate<String> clientsOf(Wave wave) {
        if (wave.clients().clientIdPrefix() != null) {
            String prefix = wave.clients().clientIdPrefix();
            return id -> id != null && id.startsWith(prefix);
        }
        Set<String> touching = inventory.touching(new HashSet<>(wave.topics()));
        return touching.isEmpty() ? null : id -> id != null && touching.contains(id);
    }

    private Path captureFile(String name) throws IOException {
        if (name != null) {
            // The API checks the name too; this keeps any other caller inside the captures directory.
            Path dir = captures.directory().toAbsolutePath().normalize();
            Path f = dir.resolve(name + ".pcapng").normalize();
            if (!CaptureSpec.isName(name) || !dir.equals(f.getParent())) {
                throw new IllegalArgumentException("capture: \"" + name + "\" is not a capture name; use " + CaptureSpec.NAME_RULE);
            }
            if (!Files.isReadable(f)) {
                throw new IOException("no capture named " + name + " in " + captures.directory());
            }
            return f;
        }
        for (CaptureStatus c : captures.list()) {
            if (c.state().equals("STOPPED") && Files.isReadable(Path.of(c.file()))) {
                return Path.of(c.file());
            }
        }
        throw new IOException("no finished capture to rehearse from: capture the wave's clients first (a capture filtered on "
            + "their topics or client.id prefix, then stopped)");
    }

    private static ReplayReport replay(Path file, InetSocketAddress to, Set<ApiKeys> apis, Predicate<String> clients,
                                       Map<String, String> topicMap, RehearsalIdentities as) throws IOException, InterruptedException {
        ReplayOptions options = new ReplayOptions(file, to, 0, topicMap, Set.of(PcapngWriter.KAFKA_PORT), true, Duration.ofDays(1),
            Duration.ofSeconds(10), 10_000, apis, clients, false, as.control(), as::of);
        try (CaptureFrames frames = CaptureFrames.open(file, Set.of(PcapngWriter.KAFKA_PORT))) {
            return new Replayer(options, null).run(frames);
        }
    }
}
