package io.cutover.proxy.server.wire;

import io.cutover.proxy.server.metrics.ProxyError;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits the byte stream into Kafka frames (int32 size, then that many bytes). Each frame is emitted
 * whole, size prefix included, as a retained slice of the read buffer: a frame that needs no
 * rewriting is forwarded as these very bytes.
 */
public final class KafkaFrameDecoder extends ByteToMessageDecoder {
    /** Told of a large frame while it still arrives, so that its first bytes can go on before the rest has come. */
    public interface PartialFrames {
        /**
         * After a read that did not complete the frame: {@code in} holds it from its size prefix, at
         * the reader index, up to what has come. The reader index must not be moved; bytes to pass
         * on are taken as retained slices, which the decoder's cumulation keeps valid.
         *
         * @param frameBytes the whole frame's size, its size prefix included
         */
        void arriving(ByteBuf in, int frameBytes);

        /** The frame last told of is whole, and is passed on next. */
        void whole();
    }

    private final int maxFrameBytes;
    private final int minFrameBytes;
    private final String what;
    private final FrameMemory memory;
    private boolean failed;
    /** Bytes reserved for the frame being gathered; 0 when none is. */
    private int reserved;
    /** Reading is paused until the budget grants the frame being gathered its memory. */
    private boolean awaitingMemory;
    /** Reserved for frames this read completed; given back once they have been passed on. */
    private long completed;
    private PartialFrames partials;
    private int partialMinBytes;
    /** The frame being gathered was told of to {@link #partials}. */
    private boolean partialTold;
    private final FrameMemory.Grant onGranted = bytes -> {
        awaitingMemory = false;
        reserved = bytes;
    };

    /**
     * @param minFrameBytes smallest valid frame including the size prefix
     * @param what "request" or "response", for error messages
     */
    public KafkaFrameDecoder(int maxFrameBytes, int minFrameBytes, String what) {
        this(maxFrameBytes, minFrameBytes, what, null);
    }

    /** @param memory the budget frames gathered over several reads are reserved from; null for none */
    public KafkaFrameDecoder(int maxFrameBytes, int minFrameBytes, String what, FrameMemory memory) {
        this.memory = memory;
        this.maxFrameBytes = maxFrameBytes;
        this.minFrameBytes = minFrameBytes;
        this.what = what;
        if ("response".equals(what)) {
            // Fetch responses run to megabytes: gathering the reads of one frame as components
            // avoids copying it again each time the cumulation grows. The frame goes out as a
            // gathering write.
            setCumulator(COMPOSITE_CUMULATOR);
        }
    }

    /** Tells {@code listener} of frames of at least {@code minFrameBytes} as they arrive. */
    public void partialFrames(PartialFrames listener, int minFrameBytes) {
        this.partials = listener;
        this.partialMinBytes = minFrameBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < 4) {
            return;
        }
        int size = in.getInt(in.readerIndex());
        if (size > maxFrameBytes - 4) {
            fail(in, ProxyError.FRAME_TOO_LARGE, what + " frame of " + size + " bytes is over the limit of " + maxFrameBytes + " bytes");
        }
        if (size < minFrameBytes - 4) {
            fail(in, ProxyError.MALFORMED_FRAME, what + " frame size " + size + " is below the smallest possible " + what + " header");
        }
        if (in.readableBytes() < 4 + size) {
            // A frame already whole in one read needs no reservation: it is passed on at once.
            if (memory != null && reserved == 0 && !awaitingMemory && 4 + size > FrameMemory.UNBUDGETED_FRAME_BYTES) {
                if (memory.reserve(4 + size, onGranted)) {
                    reserved = 4 + size;
                } else {
                    awaitingMemory = true;
                }
            }
            if (partials != null && 4 + size >= partialMinBytes) {
                partialTold = true;
                partials.arriving(in, 4 + size);
            }
            return;
        }
        out.add(in.readRetainedSlice(4 + size));
        if (partialTold) {
            partialTold = false;
            partials.whole();
        }
        if (awaitingMemory) {
            memory.cancel();
            awaitingMemory = false;
        }
        if (reserved != 0) {
            completed += reserved;
            reserved = 0;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        try {
            super.channelRead(ctx, msg);
        } finally {
            if (completed != 0) {
                // The frames have been passed on by now: from here each is held back by its own
                // limits (requests in flight, the peer's watermarks), not by how slowly its sender sent.
                long bytes = completed;
                completed = 0;
                memory.release(bytes);
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (awaitingMemory) {
            // ByteToMessageDecoder asks for another read when one decoded nothing and reading is
            // paused; here not reading is the point.
            ctx.fireChannelReadComplete();
            return;
        }
        super.channelReadComplete(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (memory != null) {
            memory.close(reserved + completed);
            reserved = 0;
            completed = 0;
            awaitingMemory = false;
        }
    }

    private void fail(ByteBuf in, ProxyError error, String message) {
        failed = true;
        in.skipBytes(in.readableBytes());
        throw new FrameException(error, message);
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        decode(ctx, in, out);
        if (in.isReadable() && !failed) {
            endedMidFrame = true;
        }
    }

    private boolean endedMidFrame;

    /** True when the stream ended with part of a frame still unread. */
    public boolean endedMidFrame() {
        return endedMidFrame;
    }
}
