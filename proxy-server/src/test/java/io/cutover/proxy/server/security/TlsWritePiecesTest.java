package io.cutover.proxy.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TlsWritePiecesTest {
    private static final int PIECE = TlsWritePieces.PIECE_BYTES;

    /** Stands where the TLS handler would: records what reaches it, and each flush. */
    private static final class TlsStandIn extends ChannelOutboundHandlerAdapter {
        final List<String> events = new ArrayList<>();
        final ByteBuf received = Unpooled.buffer();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ByteBuf buf = (ByteBuf) msg;
            events.add("write " + buf.readableBytes());
            received.writeBytes(buf);
            buf.release();
            promise.trySuccess();
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            events.add("flush");
        }
    }

    private static ByteBuf numbered(int size) {
        ByteBuf buf = Unpooled.buffer(size);
        for (int i = 0; i < size; i++) {
            buf.writeByte(i * 31);
        }
        return buf;
    }

    @Test
    void aLargeResponseReachesTlsInFlushedPiecesInOrderAndWhole() {
        TlsStandIn tls = new TlsStandIn();
        EmbeddedChannel channel = new EmbeddedChannel(tls, new TlsWritePieces());
        int size = 3 * PIECE + 100;
        ByteBuf response = numbered(size);
        ByteBuf expected = response.copy();

        channel.write(response, channel.voidPromise());

        assertEquals(List.of("write " + PIECE, "flush", "write " + PIECE, "flush", "write " + PIECE, "flush", "write 100"), tls.events,
            "each piece but the last is flushed as it is handed on; the last waits for the caller's flush");
        assertEquals(expected, tls.received, "the pieces put back together are the response, byte for byte");
        assertEquals(0, response.refCnt(), "the response is released once every piece is");
        channel.flush();
        assertEquals("flush", tls.events.get(tls.events.size() - 1));
        expected.release();
        tls.received.release();
        channel.finishAndReleaseAll();
    }

    @Test
    void smallWritesAndWritesSomeoneWaitsForPassWhole() {
        TlsStandIn tls = new TlsStandIn();
        EmbeddedChannel channel = new EmbeddedChannel(tls, new TlsWritePieces());

        channel.write(numbered(2 * PIECE - 1), channel.voidPromise());
        ChannelPromise awaited = channel.newPromise();
        channel.write(numbered(4 * PIECE), awaited);

        assertEquals(List.of("write " + (2 * PIECE - 1), "write " + (4 * PIECE)), tls.events);
        assertTrue(awaited.isSuccess(), "the caller's promise is the one the write completes");
        tls.received.release();
        channel.finishAndReleaseAll();
    }
}
