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

    void learn(MetadataResponseData response) {
        for (MetadataResponseData.MetadataResponseTopic t : response.topics()) {
            if (t.name() != null && t.topicId() != null && !Uuid.ZERO_UUID.equals(t.topicId())) {
                names.put(t.topicId(), t.name());
            }
        }
    }

    String name(Uuid id) {
        return names.get(id);
    }
}
