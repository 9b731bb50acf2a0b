package io.cutover.proxy.server.wave;

/**
 * What a wave switch puts in the request path: the write fence standing now, if any (read once per
 * request by each connection's fence handler), and the gate that keeps moved group members from
 * reading the destination before they rejoin there (read once per Fetch by the router).
 */
public final class Fences {
    private volatile WriteFence active;
    private volatile RejoinGate rejoin;

    public RejoinGate rejoin() {
        RejoinGate g = rejoin;
        return g == null || g.open() ? null : g;
    }

    public void expectRejoin(RejoinGate gate) {
        rejoin = gate;
    }

    public WriteFence active() {
        return active;
    }

    /** Raises a fence; one at a time, as waves switch one at a time. */
    public synchronized void raise(WriteFence fence) {
        if (active != null && !active.released()) {
            throw new IllegalStateException("another wave's fence stands");
        }
        active = fence;
    }

    public synchronized void lower(WriteFence fence) {
        if (active == fence) {
            active = null;
        }
        fence.release();
    }
}
