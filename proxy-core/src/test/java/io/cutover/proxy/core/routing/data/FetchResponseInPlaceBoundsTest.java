package io.cutover.proxy.core.routing.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class FetchResponseInPlaceBoundsTest {
    @Test
    void aBatchLengthNear2To31IsLeftAsAPartialBatch() {
        // A records field (int32 length prefix) holding one batch header whose length claims ~2^31
        // bytes. The old check "pos + 12 + length > end" overflowed to a negative size, wrote the
        // epoch, then stepped pos backwards and read out of bounds.
        ByteBuf buf = Unpooled.buffer();
        buf.writeInt(40); // records length prefix
        buf.writeLong(0); // base offset
        buf.writeInt(0x7ffffff5); // batch length
        buf.writeInt(7); // partition leader epoch
        buf.writeByte(2); // magic
        buf.writeZero(40 - 17);
        byte[] before = ByteBufUtil.getBytes(buf);
        try {
            FetchResponseInPlace.withholdBatchEpochs(buf, 0, buf.readableBytes(), false);
            assertEquals(ByteBufUtil.hexDump(before), ByteBufUtil.hexDump(buf), "a batch running past its field is left as it is");
        } finally {
            buf.release();
        }
    }
}
