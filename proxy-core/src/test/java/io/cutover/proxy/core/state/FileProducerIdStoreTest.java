package io.cutover.proxy.core.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.virtual.ProducerIdRecord;
import io.cutover.proxy.core.virtual.TransactionalProducers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import io.cutover.proxy.core.testing.SmallDisk;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileProducerIdStoreTest {
    private static final Duration RETENTION = Duration.ofDays(7);
    private static final long NOW = Instant.parse("2026-12-04T12:00:00Z").toEpochMilli();

    @TempDir
    Path dir;

    private FileProducerIdStore open(long now) {
        return new FileProducerIdStore(dir, RETENTION, Clock.fixed(Instant.ofEpochMilli(now), ZoneOffset.UTC));
    }

    private Path journal() {
        return dir.resolve(FileProducerIdStore.FILE_NAME);
    }

    private List<String> lines() throws Exception {
        return Files.readAllLines(journal());
    }

    @Test
    void recordsAreReplayedAfterARestart() throws Exception {
        FileProducerIdStore store = open(NOW);
        assertEquals(List.of(), store.load());
        ProducerIdRecord.Placement a = new ProducerIdRecord.Placement(42L, "orders", "target", 9001L, NOW);
        ProducerIdRecord.Transactional t = new ProducerIdRecord.Transactional("txn-1", 7L, (short) 3, 60_000,
            Map.of("target", new TransactionalProducers.Real(900L, 3)), NOW);
        ProducerIdRecord.Seen s = new ProducerIdRecord.Seen(42L, NOW + 1);
        store.save(a);
        store.save(t);
        store.save(s);
        // No close: a kill -9 closes nothing.
        assertEquals(List.of(a, t, s), open(NOW).load());
    }

    @Test
    void aMappingAFullDiskRefusedLeavesTheOnesSavedAfterItReadable() throws Exception {
        Assumptions.assumeTrue(SmallDisk.available(), () -> "needs a tmpfs mount: " + SmallDisk.unavailableBecause());
        try (SmallDisk disk = SmallDisk.mount(1 << 20)) {
            Clock clock = Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC);
            FileProducerIdStore store = new FileProducerIdStore(disk.dir(), RETENTION, clock);
            List<ProducerIdRecord> saved = new java.util.ArrayList<>();
            ProducerIdRecord.Placement before = new ProducerIdRecord.Placement(400L, "orders", "target", 9400L, NOW);
            store.save(before);
            saved.add(before);
            disk.fill();
            // The journal's last block still has room for a few lines; the first line past it is refused part-way.
            ProducerIdRecord refused = null;
            for (long id = 1; id <= 200 && refused == null; id++) {
                ProducerIdRecord.Placement p = new ProducerIdRecord.Placement(id, "orders-" + "x".repeat(60), "target", 9000 + id, NOW);
                try {
                    store.save(p);
                    saved.add(p);
                } catch (java.io.IOException full) {
                    refused = p;
                }
            }
            assertTrue(refused != null, "the full disk refused a save");
            disk.free();
            ProducerIdRecord.Placement after = new ProducerIdRecord.Placement(500L, "orders", "target", 9500L, NOW);
            ProducerIdRecord.Seen last = new ProducerIdRecord.Seen(500L, NOW + 1);
            store.save(after);
            store.save(last);
            saved.add(after);
            saved.add(last);
            // A restart reads every mapping that was saved (and used), and nothing of the refused one.
            assertEquals(saved, new FileProducerIdStore(disk.dir(), RETENTION, clock).load());
        }
    }

    @Test
    void aTornLastLineIsIgnoredAndDroppedByCompaction() throws Exception {
        FileProducerIdStore store = open(NOW);
        ProducerIdRecord.Placement a = new ProducerIdRecord.Placement(42L, "orders", "target", 9001L, NOW);
        store.save(a);
        Files.write(journal(), "{\"type\":\"placement\",\"producerId\":43,\"top".getBytes(StandardCharsets.UTF_8),
            StandardOpenOption.APPEND);
        FileProducerIdStore reopened = open(NOW);
        assertEquals(List.of(a), reopened.load());
        assertEquals(1, lines().size(), "the torn line is gone");
        ProducerIdRecord.Placement b = new ProducerIdRecord.Placement(43L, "orders", "target", 9002L, NOW);
        reopened.save(b);
        assertEquals(List.of(a, b), open(NOW).load(), "a record written after the torn one reads back whole");
    }

    @Test
    void anUnreadableCompleteLastLineIsIgnoredButAnUnreadableEarlierLineStopsTheStart() throws Exception {
        FileProducerIdStore store = open(NOW);
        ProducerIdRecord.Placement a = new ProducerIdRecord.Placement(42L, "orders", "target", 9001L, NOW);
        store.save(a);
        Files.write(journal(), "\0\0\0\0\n".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        assertEquals(List.of(a), open(NOW).load());

        Files.write(journal(), ("garbage\n" + new String(FileProducerIdStore.line(a), StandardCharsets.UTF_8))
            .getBytes(StandardCharsets.UTF_8));
        CorruptStateException e = assertThrows(CorruptStateException.class, () -> open(NOW));
        assertTrue(e.getMessage().contains(journal().toString()) && e.getMessage().contains("line 1"), e.getMessage());
    }

    @Test
    void compactionKeepsTheNewestRecordOfEachKey() throws Exception {
        FileProducerIdStore store = open(NOW);
        store.save(new ProducerIdRecord.Placement(42L, "orders", "target", 9001L, NOW));
        store.save(new ProducerIdRecord.Placement(42L, "payments", "target", 9001L, NOW));
        ProducerIdRecord.Placement back = new ProducerIdRecord.Placement(42L, "orders", "source", 9005L, NOW + 5);
        store.save(back);
        store.save(new ProducerIdRecord.Transactional("txn-1", 7L, (short) 0, 60_000,
            Map.of("source", new TransactionalProducers.Real(7L, 0)), NOW));
        ProducerIdRecord.Transactional moved = new ProducerIdRecord.Transactional("txn-1", 7L, (short) 4, 60_000,
            Map.of("target", new TransactionalProducers.Real(900L, 4)), NOW + 9);
        store.save(moved);
        assertEquals(5, lines().size());
        List<ProducerIdRecord> loaded = open(NOW + 10).load();
        assertEquals(List.of(new ProducerIdRecord.Placement(42L, "payments", "target", 9001L, NOW), back, moved), loaded);
        assertEquals(3, lines().size(), "the journal on disk is compacted too");
    }

    @Test
    void producersNotSeenWithinTheRetentionAreDropped() throws Exception {
        FileProducerIdStore store = open(NOW);
        long old = NOW - RETENTION.toMillis() - 1;
        store.save(new ProducerIdRecord.Placement(1L, "orders", "target", 9001L, old));
        ProducerIdRecord.Placement keptBySeen = new ProducerIdRecord.Placement(2L, "orders", "target", 9002L, old);
        store.save(keptBySeen);
        ProducerIdRecord.Seen seen = new ProducerIdRecord.Seen(2L, NOW - 1000);
        store.save(seen);
        ProducerIdRecord.Placement recent = new ProducerIdRecord.Placement(3L, "orders", "target", 9003L, NOW - 1000);
        store.save(recent);
        store.save(new ProducerIdRecord.Transactional("txn-old", 4L, (short) 0, 60_000,
            Map.of("target", new TransactionalProducers.Real(904L, 0)), old));
        assertEquals(List.of(keptBySeen, seen, recent), open(NOW).load());
        assertEquals(3, lines().size());
    }
}
