package io.cutover.proxy.server.net;

/**
 * The requests of one client connection that still owe a response, in the order they arrived.
 * Responses must reach the client in that order (Kafka clients match them by position as well as by
 * correlation id), including the ones the proxy answers itself.
 *
 * <p>A ring of reusable slots. It grows on demand, but never past {@code hardLimit}: the proxy stops
 * reading from the client at the soft limit, and the hard limit only absorbs frames that were
 * already in the read buffer when reading stopped.
 */
final class InFlightRequests {
    private InFlightRequest[] ring;
    private int head;
    private int size;
    private final int hardLimit;

    InFlightRequests(int softLimit) {
        // 64 KiB of read buffer holds at most this many minimal (14-byte) requests.
        this.hardLimit = softLimit + 65536 / 14 + 1;
        this.ring = new InFlightRequest[Math.min(16, Integer.highestOneBit(Math.max(1, softLimit)) << 1)];
        for (int i = 0; i < ring.length; i++) {
            ring[i] = new InFlightRequest();
        }
    }

    /** Appends a slot for a new request; null when the hard limit is reached. */
    InFlightRequest add(int correlationId, short apiKey, short apiVersion, long arrivalNanos, boolean local) {
        if (size == ring.length) {
            if (size >= hardLimit) {
                return null;
            }
            grow();
        }
        InFlightRequest slot = ring[(head + size) & (ring.length - 1)];
        slot.set(correlationId, apiKey, apiVersion, arrivalNanos, local);
        size++;
        return slot;
    }

    private void grow() {
        InFlightRequest[] bigger = new InFlightRequest[ring.length << 1];
        for (int i = 0; i < size; i++) {
            bigger[i] = ring[(head + i) & (ring.length - 1)];
        }
        for (int i = size; i < bigger.length; i++) {
            bigger[i] = new InFlightRequest();
        }
        ring = bigger;
        head = 0;
    }

    /** The oldest request still waiting for its upstream response, or null. */
    InFlightRequest oldestAwaitingUpstream() {
        for (int i = 0; i < size; i++) {
            InFlightRequest slot = ring[(head + i) & (ring.length - 1)];
            if (!slot.local && !slot.isAnswered()) {
                return slot;
            }
        }
        return null;
    }

    /** Visits every request still awaiting its upstream response, oldest first. */
    void forEachAwaitingUpstream(java.util.function.Consumer<InFlightRequest> visitor) {
        anyAwaitingUpstream(slot -> {
            visitor.accept(slot);
            return false;
        });
    }

    /** True when {@code test} holds for any request still awaiting its upstream response. */
    boolean anyAwaitingUpstream(java.util.function.Predicate<InFlightRequest> test) {
        for (int i = 0; i < size; i++) {
            InFlightRequest slot = ring[(head + i) & (ring.length - 1)];
            if (!slot.local && !slot.isAnswered() && test.test(slot)) {
                return true;
            }
        }
        return false;
    }

    /** The oldest request, or null. */
    InFlightRequest head() {
        return size == 0 ? null : ring[head];
    }

    /** Drops the oldest request; its response has been handed on. */
    void removeHead() {
        InFlightRequest slot = ring[head];
        slot.response = null;
        slot.fixup = null;
        slot.produce = null;
        slot.producedKnown = false;
        head = (head + 1) & (ring.length - 1);
        size--;
    }

    int size() {
        return size;
    }

    /** Releases every response still held; the connection is going away. */
    void releaseAll() {
        for (int i = 0; i < size; i++) {
            ring[(head + i) & (ring.length - 1)].clear();
        }
        size = 0;
        head = 0;
    }
}
