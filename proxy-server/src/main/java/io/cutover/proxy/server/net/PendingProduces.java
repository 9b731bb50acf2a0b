package io.cutover.proxy.server.net;

import io.cutover.proxy.core.virtual.TopicIds;
import java.util.Set;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Answers a wave's drain: does this connection still wait for a broker to answer a Produce naming
 * one of the wave's topics? A Produce routed in place is known by the topics its bytes named; one
 * that went upstream neither decoded nor routed (one cluster) may name any topic, so it counts,
 * and the drain waits for its answer, which is only ever a moment.
 */
final class PendingProduces {
    private PendingProduces() {
    }

    static boolean naming(InFlightRequests inFlight, Set<String> topics, TopicIds ids) {
        return inFlight.anyAwaitingUpstream(slot -> slot.apiKey == ApiKeys.PRODUCE.id
            && (slot.producedKnown ? slot.produced.namesAny(topics) : mayName(slot.produce, topics, ids)));
    }

    private static boolean mayName(ProduceRequestData produce, Set<String> topics, TopicIds ids) {
        if (produce == null) {
            return true;
        }
        for (var t : produce.topicData()) {
            String name = t.name() != null && !t.name().isEmpty() ? t.name() : ids.nameOfVirtual(t.topicId());
            if (name == null || topics.contains(name)) {
                return true;
            }
        }
        return false;
    }
}
