package io.cutover.proxy.server.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The frame decoder's use of the proxy-wide request and response memory (limits.request-memory, limits.response-memory). */
class KafkaFrameDecoderMemoryTest {
    private static final int MAX = 100 * 1024 * 1024;

    /** Records what the decoder asks of the budget; grants or refuses as told. */
    private static final class Budget implements FrameMemory {
        final List<String> calls = new ArrayList<>();
        boolean refuse;
        Grant waiting;

        @Override
        public boolean reserve(int bytes, Grant grant) {
            calls.add("reserve " + bytes);
            if (refuse) {
                waiting = grant;
                return false;
            }
            return true;
        }

        @Override
        public void cancel() {
            calls.add("cancel");
            waiting = null;
        }

        @Override
        public void release(long bytes) {
            calls.add("release " + bytes);
        }

        @Override
        public void close(long held) {
            calls.add("close " + held);
        }
    }

    /** Counts the reads the pipeline asks the socket for. */
    private static final class Reads extends ChannelOutboundHandlerAdapter {
        int asked;

        @Override
        public void read(ChannelHandlerContext ctx) {
            asked++;
            ctx.read();
        }
    }

    private static ByteBuf frame(int bodyBytes) {
        ByteBuf b = Unpooled.buffer(4 + bodyBytes);
        b.writeInt(bodyBytes);
        for (int i = 0; i < bodyBytes; i++) {
            b.writeByte(i);
        }
        return b;
    }

    private static EmbeddedChannel channel(Budget budget, Reads reads) {
        EmbeddedChannel ch = new EmbeddedChannel(reads, new KafkaFrameDecoder(MAX, 12, "request", budget));
        ch.config().setAutoRead(false);
        reads.asked = 0; // the read an active channel starts with
        return ch;
    }

    @Test
    void aLargeFrameOverSeveralReadsReservesItsWholeSizeOnceAndReturnsItWhenComplete() {
        Budget budget = new Budget();
        EmbeddedChannel ch = channel(budget, new Reads());
        ByteBuf whole = frame(100_000);
        ch.writeInbound(whole.readRetainedSlice(30_000));
        ch.writeInbound(whole.readRetainedSlice(30_000));
        assertNull(ch.readInbound(), "not complete yet");
        assertEquals(List.of("reserve 100004"), budget.calls);
        ch.writeInbound(whole.readRetainedSlice(whole.readableBytes()));
        ByteBuf out = ch.readInbound();
        assertEquals(100_004, out.readableBytes());
        out.release();
        whole.release();
        assertEquals(List.of("reserve 100004", "release 100004"), budget.calls);
        ch.finishAndReleaseAll();
        assertEquals(List.of("reserve 100004", "release 100004", "close 0"), budget.calls);
    }

    @Test
    void framesWholeInOneReadAndSmallFramesReserveNothing() {
        Budget budget = new Budget();
        EmbeddedChannel ch = channel(budget, new Reads());
        ch.writeInbound(frame(200_000));
        ByteBuf big = ch.readInbound();
        big.release();
        ByteBuf small = frame(FrameMemory.UNBUDGETED_FRAME_BYTES - 4);
        ch.writeInbound(small.readRetainedSlice(100));
        ch.writeInbound(small.readRetainedSlice(small.readableBytes()));
        small.release();
        ByteBuf out = ch.readInbound();
        out.release();
        assertEquals(List.of(), budget.calls);
        ch.finishAndReleaseAll();
    }

    @Test
    void aRefusedFrameAsksForNoMoreReadsUntilGrantedThenCompletes() {
        Budget budget = new Budget();
        budget.refuse = true;
        Reads reads = new Reads();
        EmbeddedChannel ch = channel(budget, reads);
        ByteBuf whole = frame(50_000);
        ch.writeInbound(whole.readRetainedSlice(20_000));
        assertEquals(0, reads.asked, "ByteToMessageDecoder's extra read on an empty decode is what a wait must not do");
        // Bytes that were already on their way are decoded, still without a second reservation.
        ch.writeInbound(whole.readRetainedSlice(10_000));
        assertEquals(0, reads.asked);
        assertEquals(List.of("reserve 50004"), budget.calls);

        budget.waiting.granted(50_004);
        ch.writeInbound(whole.readRetainedSlice(whole.readableBytes()));
        whole.release();
        ByteBuf out = ch.readInbound();
        assertEquals(50_004, out.readableBytes());
        out.release();
        assertEquals(List.of("reserve 50004", "release 50004"), budget.calls);
        ch.finishAndReleaseAll();
    }

    @Test
    void aFrameThatTurnsOutWholeWhileWaitingStopsWaitingAndTheNextOneAsksAgain() {
        Budget budget = new Budget();
        budget.refuse = true;
        EmbeddedChannel ch = channel(budget, new Reads());
        ByteBuf first = frame(50_000);
        ch.writeInbound(first.readRetainedSlice(20_000));
        // The rest was already in flight when reading paused.
        ch.writeInbound(first.readRetainedSlice(first.readableBytes()));
        first.release();
        ByteBuf out = ch.readInbound();
        assertEquals(50_004, out.readableBytes());
        out.release();
        assertEquals(List.of("reserve 50004", "cancel"), budget.calls);

        ByteBuf second = frame(80_000);
        ch.writeInbound(second.readRetainedSlice(20_000));
        second.release();
        assertEquals(List.of("reserve 50004", "cancel", "reserve 80004"), budget.calls, "the next frame reserves its own size");
        ch.finishAndReleaseAll();
    }

    @Test
    void aConnectionClosedMidFrameReturnsWhatItHeld() {
        Budget budget = new Budget();
        EmbeddedChannel ch = channel(budget, new Reads());
        ByteBuf whole = frame(40_000);
        ch.writeInbound(whole.readRetainedSlice(20_000));
        whole.release();
        ch.close();
        assertTrue(budget.calls.contains("close 40004"), budget.calls.toString());
        assertEquals(List.of("reserve 40004", "close 40004"), budget.calls);
        ch.finishAndReleaseAll();
    }

    @Test
    void aFrameKeepsItsReservationUntilTheHandlerAfterHasTakenIt() {
        Budget budget = new Budget();
        List<String> whenPassedOn = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new Reads(), new KafkaFrameDecoder(MAX, 12, "response", budget),
            new io.netty.channel.ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    // Response memory is given back only once the client has the frame: here, the next handler.
                    whenPassedOn.addAll(budget.calls);
                    ctx.fireChannelRead(msg);
                }
            });
        ByteBuf whole = frame(60_000);
        ch.writeInbound(whole.readRetainedSlice(25_000));
        ch.writeInbound(whole.readRetainedSlice(whole.readableBytes()));
        whole.release();
        ByteBuf out = ch.readInbound();
        out.release();
        assertEquals(List.of("reserve 60004"), whenPassedOn, "still reserved while the frame was passed on");
        assertEquals(List.of("reserve 60004", "release 60004"), budget.calls);
        ch.finishAndReleaseAll();
    }
}
