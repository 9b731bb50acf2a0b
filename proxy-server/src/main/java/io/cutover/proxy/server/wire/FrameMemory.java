package io.cutover.proxy.server.wire;

/**
 * One connection's share of a proxy-wide memory budget for frames that arrive over several reads
 * (requests from a client, responses from a broker). Without it a client that declares large frames
 * and sends them slowly, or asks for large responses and does not read them, holds memory the proxy
 * cannot get back, and enough such connections starve everyone (each is within its own limits).
 *
 * <p>The decoder reserves a frame's whole declared size when it sees the frame begin, and returns it
 * once the frame has been passed on, or when the connection ends. A reservation that cannot be met stops reading
 * from this connection until {@link Grant#granted} is called on its event loop.
 */
public interface FrameMemory {
    /** Frames up to this size are not reserved: a connection holds at most one read's worth of one. */
    int UNBUDGETED_FRAME_BYTES = 16 * 1024;

    /** Told, on the connection's event loop, that a reservation it waited for is now held. */
    interface Grant {
        void granted(int bytes);
    }

    /**
     * @return true if {@code bytes} are reserved for this connection now; false if reading is paused
     *     until {@code grant} is told they are
     */
    boolean reserve(int bytes, Grant grant);

    /**
     * Stops waiting for a reservation asked for with {@link #reserve}: the frame turned out whole
     * without it (its last bytes were already on their way).
     */
    void cancel();

    /** Returns what complete frames had reserved, once they have been passed on. */
    void release(long bytes);

    /** The connection ended: returns {@code held} (0 if nothing), and stops waiting for memory. */
    void close(long held);
}
