package io.cutover.proxy.server.net;

import io.cutover.proxy.core.virtual.TopicIds;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Answers a wave's drain: does this connection still wait for a broker to answer a Produce naming
 * one of the wave's topics? A Produce routed in place is known by the topics its bytes named; one
 * that went upstream neither decoded nor routed (one cluster) may name any topic, so it counts,
 * and the drain waits for its answer, which is only ever a moment.
 */
final class PendingProduces {
    /** The broker's own scheduling beyond the client's timeout: queueing, a GC pause. */
    private static final long SETTLE_MARGIN_NANOS = TimeUnit.SECONDS.toNanos(1);

    private PendingProduces() {
    }

    static boolean naming(InFlightRequests inFlight, Set<String> topics, TopicIds ids) {
        return inFlight.anyAwaitingUpstream(slot -> slot.apiKey == ApiKeys.PRODUCE.id
            && (slot.producedKnown ? slot.produced.namesAny(topics) : mayName(slot.produce, topics, ids)));
    }

    /**
     * The connection is closing with these Produce requests unanswered: the broker may still apply
     * each of them until its timeout has passed, so they are recorded as writes of unknown outcome.
     */
    static void recordUncertain(InFlightRequests inFlight, String cluster, UncertainWrites uncertain, TopicIds ids, long nowNanos,
                                String reason) {
        inFlight.forEachAwaitingUpstream(slot -> {
            if (slot.apiKey != ApiKeys.PRODUCE.id) {
                return;
            }
            long settles = slot.arrivalNanos + TimeUnit.MILLISECONDS.toNanos(Math.max(0, slot.produceTimeoutMs)) + SETTLE_MARGIN_NANOS;
            forEachTopic(slot, ids, topic -> uncertain.record(cluster, topic, settles, nowNanos, reason));
        });
    }

    /** A Produce answered REQUEST_TIMED_OUT: its records are on the leader and may yet be committed. */
    static void recordTimedOut(InFlightRequest slot, String cluster, UncertainWrites uncertain, TopicIds ids, long nowNanos) {
        long settles = nowNanos + uncertain.window().toNanos();
        forEachTopic(slot, ids, topic -> uncertain.record(cluster, topic, settles, nowNanos, "answered REQUEST_TIMED_OUT"));
    }

    /** The topics a Produce's slot names; null (any topic) where they are not known. */
    private static void forEachTopic(InFlightRequest slot, TopicIds ids, Consumer<String> topic) {
        if (slot.producedKnown) {
            for (int i = 0; i < slot.produced.size(); i++) {
                topic.accept(slot.produced.name(i));
            }
        } else if (slot.produce != null) {
            for (var t : slot.produce.topicData()) {
                topic.accept(t.name() != null && !t.name().isEmpty() ? t.name() : ids.nameOfVirtual(t.topicId()));
            }
        } else {
            topic.accept(null);
        }
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
