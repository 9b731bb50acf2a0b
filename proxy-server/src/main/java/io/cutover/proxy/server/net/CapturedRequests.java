package io.cutover.proxy.server.net;

/**
 * Correlation ids of the captured requests still waiting for their response, oldest first, so a
 * response is captured exactly when its request was. Responses leave in request order, so the
 * head is the only one that can match. Bounded: past the in-flight limit the oldest is forgotten.
 */
final class CapturedRequests {
    private final int[] ids;
    private int head;
    private int size;

    CapturedRequests(int capacity) {
        this.ids = new int[capacity];
    }

    void add(int correlationId) {
        if (size == ids.length) {
            head = (head + 1) % ids.length;
            size--;
        }
        ids[(head + size) % ids.length] = correlationId;
        size++;
    }

    /** True, and forgets it, when {@code correlationId} is the oldest captured request. */
    boolean takeIfHead(int correlationId) {
        if (size == 0 || ids[head] != correlationId) {
            return false;
        }
        head = (head + 1) % ids.length;
        size--;
        return true;
    }

    void clear() {
        head = 0;
        size = 0;
    }
}
