package io.cutover.proxy.server.replay;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * How to replay: the capture, where to, how fast ({@code speed} 0 means as fast as possible), topic
 * renames, the Kafka server ports of a tcpdump capture, report format and progress interval; for a
 * rehearsal, which APIs and clients to replay, whether a version the target lacks is lowered (a
 * load test) or reported as UNSUPPORTED_VERSION (a compatibility check), how the replay's own
 * control connection reaches the cluster ({@code control}), and whom each captured connection is
 * replayed as ({@code identities}, by the capture's connection id).
 */
public record ReplayOptions(Path capture, InetSocketAddress bootstrap, double speed, Map<String, String> topicMap,
                            Set<Integer> kafkaPorts, boolean json, Duration progressEvery, Duration responseTimeout,
                            int connectTimeoutMillis, Set<org.apache.kafka.common.protocol.ApiKeys> onlyApis,
                            java.util.function.Predicate<String> clientIds, boolean downgradeVersions, Dialer control,
                            IntFunction<ReplayIdentity> identities) {

    /** The command line's replay: every API of every client, versions lowered to what the target takes, over plain TCP. */
    public ReplayOptions(Path capture, InetSocketAddress bootstrap, double speed, Map<String, String> topicMap, Set<Integer> kafkaPorts,
                         boolean json, Duration progressEvery, Duration responseTimeout, int connectTimeoutMillis) {
        this(capture, bootstrap, speed, topicMap, kafkaPorts, json, progressEvery, responseTimeout, connectTimeoutMillis, null, null, true,
            Dialer.PLAINTEXT, connection -> ReplayIdentity.PLAINTEXT);
    }
}
