package io.cutover.proxy.core.routing.data;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractRequest;

/**
 * The answer a broker gives a request it refuses whole with one error (NOT_COORDINATOR,
 * INVALID_TXN_STATE, a retriable error), built by Kafka's own request classes so that every
 * partition, group or transactional id named gets the error in the shape its version expects.
 * Kafka builds these only from its request objects, so the decoded body is written out and read
 * back as one: a cost paid on this rare path only, never for a request that is forwarded.
 */
public final class ErrorAnswers {
    private ErrorAnswers() {
    }

    public static ApiMessage of(ApiKeys api, short version, ApiMessage request, Errors error) {
        AbstractRequest parsed = AbstractRequest.parseRequest(api, version,
            MessageUtil.toByteBufferAccessor(request, version)).request;
        return parsed.getErrorResponse(0, error.exception()).data();
    }
}
