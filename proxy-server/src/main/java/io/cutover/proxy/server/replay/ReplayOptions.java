package io.cutover.proxy.server.replay;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * How to replay: the capture, where to, how fast ({@code speed} 0 means as fast as possible), topic
 * renames, the Kafka server ports of a tcpdump capture, report format and progress interval.
 */
public record ReplayOptions(Path capture, InetSocketAddress bootstrap, double speed, Map<String, String> topicMap,
                            Set<Integer> kafkaPorts, boolean json, Duration progressEvery, Duration responseTimeout,
                            int connectTimeoutMillis) {
}
