package io.cutover.proxy.server.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.cutover.proxy.core.virtual.TopicIds;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataResponseData;
import org.junit.jupiter.api.Test;

class CapturedTopicIdsTest {
    @Test
    void idsComeFromTheCapturesMetadataFirstThenFromTheProxysNameDerivedIds() {
        CapturedTopicIds ids = new CapturedTopicIds();
        Uuid learnt = Uuid.randomUuid();
        MetadataResponseData md = new MetadataResponseData();
        md.topics().add(new MetadataResponseData.MetadataResponseTopic().setName("learnt").setTopicId(learnt));
        ids.learn(md);
        // A capture the proxy took without any Metadata answer in it: its virtual ids derive from names.
        Map<Uuid, String> target = Map.of(TopicIds.virtualIdOf("orders"), "orders");
        ids.fallback(target::get);
        assertEquals("learnt", ids.name(learnt));
        assertEquals("orders", ids.name(TopicIds.virtualIdOf("orders")));
        assertNull(ids.name(Uuid.randomUuid()));
        assertNull(ids.name(null));
    }
}
