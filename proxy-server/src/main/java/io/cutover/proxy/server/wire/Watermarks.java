package io.cutover.proxy.server.wire;

import io.netty.channel.WriteBufferWaterMark;

/**
 * Outbound buffer bounds per channel. Past the high mark the channel reports unwritable and the
 * proxy stops reading from the other side; a few hundred KiB keeps a fetch stream moving without
 * letting one slow client hold megabytes of heap.
 */
public final class Watermarks {
    public static final WriteBufferWaterMark DEFAULT = new WriteBufferWaterMark(256 * 1024, 1024 * 1024);

    private Watermarks() {
    }
}
