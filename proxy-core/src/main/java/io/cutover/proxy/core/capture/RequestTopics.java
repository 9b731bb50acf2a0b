package io.cutover.proxy.core.capture;

import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.codec.RequestFrames;
import io.cutover.proxy.core.routing.data.RequestedTopics;
import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * The topics a request names, for a capture's topic filter. Only the data-path APIs are looked at;
 * for any other request, and for topic ids nobody can name, the answer is "none known", which the
 * filter keeps: a capture with a topic filter errs on keeping context rather than losing it.
 * Decoding happens only while a capture with a topic filter runs.
 */
public final class RequestTopics {
    private RequestTopics() {
    }

    public static List<String> of(ByteBuf frame, Function<Uuid, String> nameOfId) {
        ApiKeys api;
        try {
            api = ApiKeys.forId(RequestFrames.apiKey(frame));
        } catch (IllegalArgumentException e) {
            return List.of();
        }
        if (!RequestedTopics.namesTopics(api)) {
            return List.of();
        }
        ApiMessage m;
        try {
            m = MessageCodec.decodeRequest(frame, api, RequestFrames.apiVersion(frame));
        } catch (RuntimeException e) {
            return List.of();
        }
        return RequestedTopics.of(m, nameOfId);
    }
}
