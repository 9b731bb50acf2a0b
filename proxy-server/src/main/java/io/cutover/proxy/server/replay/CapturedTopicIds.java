package io.cutover.proxy.server.replay;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataResponseData;

/**
 * Topic ids as the captured clients knew them, learnt from the Metadata responses in the capture,
 * so that requests naming topics by id (Produce and Fetch v13+) can be re-aimed at the target's ids.
 */
final class CapturedTopicIds {
    private final Map<Uuid, String> names = new ConcurrentHashMap<>();
    private volatile java.util.function.Function<Uuid, String> fallback = id -> null;

    /**
     * Where to look when the capture holds no Metadata answer naming an id: a capture taken by the
     * proxy uses its virtual ids, which derive from topic names, so the names the target knows serve.
     */
    void fallback(java.util.function.Function<Uuid, String> lookup) {
        this.fallback = lookup;
    }

    void learn(MetadataResponseData response) {
        for (MetadataResponseData.MetadataResponseTopic t : response.topics()) {
            if (t.name() != null && t.topicId() != null && !Uuid.ZERO_UUID.equals(t.topicId())) {
                names.put(t.topicId(), t.name());
            }
        }
    }

    String name(Uuid id) {
        if (id == null) {
            return null;
        }
        String n = names.get(id);
        return n != null ? n : fallback.apply(id);
    }
}
