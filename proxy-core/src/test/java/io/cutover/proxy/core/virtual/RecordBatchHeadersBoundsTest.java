package io.cutover.proxy.core.virtual;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

class RecordBatchHeadersBoundsTest {
    @Test
    void aBatchLengthNear2To31AfterAWholeBatchIsNotVisited() {
        ByteBuffer valid = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes(StandardCharsets.UTF_8))).buffer();
        int validSize = valid.remaining();
        ByteBuffer records = ByteBuffer.allocate(validSize + 80);
        records.put(valid.duplicate());
        // A second batch header claiming 0x7ffffff3 + 12 = 2^31 - 1 bytes: at a position > 0, the old
        // "pos + size > end" overflowed and handed the visitor a batch of 2^31 - 1 bytes.
        records.putLong(0).putInt(0x7ffffff3).putInt(0).put((byte) 2);
        records.position(0).limit(records.capacity());
        List<int[]> visited = new ArrayList<>();
        RecordBatchHeaders.forEachBatch(records, (b, start, size) -> visited.add(new int[] {start, size}));
        assertEquals(1, visited.size(), "only the whole batch is visited");
        assertEquals(validSize, visited.get(0)[1]);
    }
}
