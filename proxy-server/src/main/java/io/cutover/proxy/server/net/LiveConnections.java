package io.cutover.proxy.server.net;

import io.cutover.proxy.core.virtual.TopicIds;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The client connections open now, so a wave's drain can ask each, on its own event loop, whether
 * it still waits for a broker to answer a write. Touched once per connection, never per request.
 */
public final class LiveConnections {
    private final Set<LiveConnection> all = ConcurrentHashMap.newKeySet();

    void add(LiveConnection c) {
        all.add(c);
    }

    void remove(LiveConnection c) {
        all.remove(c);
    }

    public int size() {
        return all.size();
    }

    /** Completes with true when any connection to {@code cluster} awaits the answer to a Produce naming one of {@code topics}. */
    public CompletableFuture<Boolean> producing(String cluster, Set<String> topics, TopicIds ids) {
        List<CompletableFuture<Boolean>> answers = new ArrayList<>();
        for (LiveConnection c : all) {
            if (!c.cluster().equals(cluster) || c.isClosed()) {
                continue;
            }
            CompletableFuture<Boolean> answer = new CompletableFuture<>();
            c.eventLoop().execute(() -> answer.complete(!c.isClosed() && c.producing(topics, ids)));
            answers.add(answer);
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
            .thenApply(v -> answers.stream().anyMatch(CompletableFuture::join));
    }
}
