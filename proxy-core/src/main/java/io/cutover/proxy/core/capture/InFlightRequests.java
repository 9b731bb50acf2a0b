package io.cutover.proxy.core.capture;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The requests of one connection still waiting for a response, by correlation id, so a response can
 * be labelled with its request's API key and version and, on a connection captured mid-way, found
 * at all. A broker answers a connection's requests in order, so a response also settles every older
 * entry: those were requests that get no response (acks=0 produce) or whose response the capture
 * missed.
 */
final class InFlightRequests {
    /** Far beyond any client's max.in.flight; the bound only matters for endless acks=0 producers. */
    private static final int MAX_ENTRIES = 4096;

    /** Api key and version of a request. */
    record Api(short key, short version) {
    }

    private final Map<Integer, Api> byCorrelationId = new LinkedHashMap<>() {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Api> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    void sent(int correlationId, short apiKey, short apiVersion) {
        byCorrelationId.remove(correlationId); // a reused id counts as the newest request
        byCorrelationId.put(correlationId, new Api(apiKey, apiVersion));
    }

    boolean isEmpty() {
        return byCorrelationId.isEmpty();
    }

    boolean contains(int correlationId) {
        return byCorrelationId.containsKey(correlationId);
    }

    /** The request a response answers, or null if none is known; removes it and every older one. */
    Api answered(int correlationId) {
        if (!byCorrelationId.containsKey(correlationId)) {
            return null;
        }
        Iterator<Map.Entry<Integer, Api>> it = byCorrelationId.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Integer, Api> e = it.next();
            it.remove();
            if (e.getKey() == correlationId) {
                return e.getValue();
            }
        }
        return null;
    }
}
