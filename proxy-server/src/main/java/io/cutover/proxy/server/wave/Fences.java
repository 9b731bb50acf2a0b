package io.cutover.proxy.server.wave;

/** The write fence standing now, if any; read once per request by each connection's fence handler. */
public final class Fences {
    private volatile WriteFence active;

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
