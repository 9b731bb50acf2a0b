package io.cutover.proxy.server.replay;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;

/**
 * Replays a capture against a bootstrap address: reads the capture's frames in order, decodes each
 * request, and hands it to the replayed connection standing for its captured connection, due at
 * its captured time scaled by the speed factor. Captured Metadata responses teach it the topic ids
 * the clients used.
 */
public final class Replayer {
    /** The frames of a capture, in capture order. */
    public interface FrameSource extends AutoCloseable {
        /** The next frame, or null at the end of the capture. Throws with the file offset on a bad or truncated capture. */
        Frame next() throws IOException;

        @Override
        void close() throws IOException;
    }

    /** One Kafka frame (without size prefix) of a captured connection, or that connection's end ({@code payload} null). */
    public record Frame(int connection, boolean request, long micros, ByteBuffer payload) {
    }

    private final ReplayOptions options;
    private final PrintStream progress;
    private final CapturedTopicIds capturedIds = new CapturedTopicIds();

    public Replayer(ReplayOptions options, PrintStream progress) {
        this.options = options;
        this.progress = progress;
    }

    public ReplayReport run(FrameSource source) throws IOException, InterruptedException {
        ReplayReport report = new ReplayReport();
        Map<Integer, ReplayConnection> connections = new HashMap<>();
        // Every connection started, for the final wait: those whose capture ended may still be sending.
        java.util.List<ReplayConnection> started = new java.util.ArrayList<>();
        Map<Integer, Map<Integer, short[]>> capturedRequests = new HashMap<>();
        try (TargetCluster target = new TargetCluster(options.bootstrap(), options.connectTimeoutMillis(), options.control())) {
            capturedIds.fallback(id -> {
                String name = target.nameOfVirtual(id);
                if (name == null) {
                    // A topic the target does not have: named by the mapped-from side of --topic-map, if any.
                    for (String from : options.topicMap().keySet()) {
                        if (io.cutover.proxy.core.virtual.TopicIds.virtualIdOf(from).equals(id)) {
                            return from;
                        }
                    }
                }
                return name;
            });
            RequestRewriter rewriter = new RequestRewriter(options.topicMap(), capturedIds, target, new ReplayProducers(target));
            long responseTimeout = options.responseTimeout().toNanos();
            long firstMicros = -1;
            long start = System.nanoTime();
            long nextProgress = start + options.progressEvery().toNanos();
            report.started();
            try {
                Frame f;
                while ((f = source.next()) != null) {
                    if (f.payload() == null) {
                        ReplayConnection ended = connections.remove(f.connection());
                        if (ended != null) {
                            ended.finish();
                        }
                        capturedRequests.remove(f.connection());
                        continue;
                    }
                    if (!f.request()) {
                        learnFromResponse(f, capturedRequests.get(f.connection()), capturedIds);
                        continue;
                    }
                    if (firstMicros < 0) {
                        firstMicros = f.micros();
                    }
                    ReplayConnection.Scheduled s = decode(f, firstMicros, start, report);
                    if (s == null) {
                        continue;
                    }
                    if (s.api() == ApiKeys.METADATA) {
                        // Its captured response carries the topic ids the client used next.
                        capturedRequests.computeIfAbsent(f.connection(), c -> new HashMap<>())
                            .put(s.header().correlationId(), new short[] {s.api().id, s.header().requestApiVersion()});
                    }
                    ReplayConnection c = connections.get(f.connection());
                    if (c == null) {
                        c = new ReplayConnection(f.connection(), options.identities().apply(f.connection()), target, rewriter, report,
                            responseTimeout, options.downgradeVersions());
                        connections.put(f.connection(), c);
                        started.add(c);
                    }
                    c.enqueue(s);
                    if (progress != null && System.nanoTime() > nextProgress) {
                        progress.println(report.progressLine());
                        nextProgress = System.nanoTime() + options.progressEvery().toNanos();
                    }
                }
            } catch (io.cutover.proxy.core.capture.CaptureFormatException e) {
                report.captureError(e.getMessage());
            } finally {
                for (ReplayConnection c : connections.values()) {
                    c.finish();
                }
                for (ReplayConnection c : started) {
                    c.await();
                }
                report.finished();
            }
        }
        return report;
    }

    private ReplayConnection.Scheduled decode(Frame f, long firstMicros, long start, ReplayReport report) {
        ByteBuffer b = f.payload().duplicate();
        RequestHeader header;
        ApiKeys api;
        AbstractRequest request;
        try {
            header = RequestHeader.parse(b);
            api = header.apiKey();
            request = AbstractRequest.parseRequest(api, header.apiVersion(), new ByteBufferAccessor(b)).request;
        } catch (RuntimeException e) {
            report.skipped("undecodable request (" + e.getClass().getSimpleName() + ")");
            return null;
        }
        if (options.onlyApis() != null && !options.onlyApis().contains(api)) {
            report.skipped(api.name + " (not selected)");
            return null;
        }
        if (options.clientIds() != null && !options.clientIds().test(header.clientId())) {
            report.skipped("another client's request");
            return null;
        }
        if (RequestRewriter.SKIPPED.contains(api)) {
            report.skipped(api.name + " (not re-enacted)");
            return null;
        }
        long due = options.speed() <= 0 ? 0 : start + (long) ((f.micros() - firstMicros) * 1000 / options.speed());
        ApiMessage body = request.data();
        RequestHeaderData h = header.data();
        boolean expectsResponse = !(api == ApiKeys.PRODUCE && ((ProduceRequestData) body).acks() == 0);
        String topic = null;
        int partition = -1;
        String group = null;
        switch (api) {
            case PRODUCE -> {
                var t = ((ProduceRequestData) body).topicData().iterator();
                if (t.hasNext()) {
                    var first = t.next();
                    topic = firstTopic(first.name(), first.topicId());
                    partition = first.partitionData().isEmpty() ? 0 : first.partitionData().get(0).index();
                }
            }
            case FETCH -> {
                var topics = ((FetchRequestData) body).topics();
                if (!topics.isEmpty()) {
                    topic = firstTopic(topics.get(0).topic(), topics.get(0).topicId());
                    partition = topics.get(0).partitions().isEmpty() ? 0 : topics.get(0).partitions().get(0).partition();
                }
            }
            case LIST_OFFSETS -> {
                var topics = ((ListOffsetsRequestData) body).topics();
                if (!topics.isEmpty()) {
                    topic = topics.get(0).name();
                    partition = topics.get(0).partitions().isEmpty() ? 0 : topics.get(0).partitions().get(0).partitionIndex();
                }
            }
            case JOIN_GROUP -> group = ((JoinGroupRequestData) body).groupId();
            case SYNC_GROUP -> group = ((SyncGroupRequestData) body).groupId();
            case HEARTBEAT -> group = ((HeartbeatRequestData) body).groupId();
            case LEAVE_GROUP -> group = ((LeaveGroupRequestData) body).groupId();
            case OFFSET_COMMIT -> group = ((OffsetCommitRequestData) body).groupId();
            case CONSUMER_GROUP_HEARTBEAT -> group = ((ConsumerGroupHeartbeatRequestData) body).groupId();
            case OFFSET_FETCH -> {
                OffsetFetchRequestData o = (OffsetFetchRequestData) body;
                group = o.groups().isEmpty() ? o.groupId() : o.groups().get(0).groupId();
            }
            case FIND_COORDINATOR -> {
                // answered by whichever broker: bootstrap is right
            }
            default -> {
            }
        }
        return new ReplayConnection.Scheduled(api, h, body, due, expectsResponse, topic == null ? null : mapTopic(topic), partition,
            group == null || group.isEmpty() ? null : group);
    }

    private String firstTopic(String name, org.apache.kafka.common.Uuid id) {
        return name != null && !name.isEmpty() ? name : capturedIds.name(id);
    }

    private String mapTopic(String topic) {
        return options.topicMap().getOrDefault(topic, topic);
    }

    private static void learnFromResponse(Frame f, Map<Integer, short[]> requests, CapturedTopicIds ids) {
        if (requests == null || requests.isEmpty()) {
            return;
        }
        ByteBuffer b = f.payload().duplicate();
        if (b.remaining() < 4) {
            return;
        }
        int correlationId = b.getInt(b.position());
        short[] req = requests.remove(correlationId);
        if (req == null || req[0] != ApiKeys.METADATA.id) {
            return;
        }
        try {
            ResponseHeader.parse(b, ApiKeys.METADATA.responseHeaderVersion(req[1]));
            ids.learn(new MetadataResponseData(new ByteBufferAccessor(b), req[1]));
        } catch (RuntimeException e) {
            // A response the capture cut short: its ids are simply not learnt.
        }
    }
}
