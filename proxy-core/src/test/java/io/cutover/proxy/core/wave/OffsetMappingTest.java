package io.cutover.proxy.core.wave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OffsetMappingTest {
    private static PartitionSyncs syncs(long... pairs) {
        PartitionSyncs s = new PartitionSyncs();
        for (int i = 0; i < pairs.length; i += 2) {
            s.add(pairs[i], pairs[i + 1]);
        }
        return s;
    }

    @Test
    void identityIsTheSameOffsetBothWays() {
        assertEquals(new OffsetMapping.Translated(42, 0), OffsetMapping.IDENTITY.toTarget(null, 42, 100, 100));
        assertEquals(new OffsetMapping.Translated(42, 0), OffsetMapping.IDENTITY.toSource(null, 42, 100, 100));
        assertEquals(77, OffsetMapping.IDENTITY.replicatedThrough(null, 77));
    }

    @Test
    void replicatedThroughCountsTheTargetsRecordsAfterTheLatestSync() {
        // The record at source 100 is at target 90 (ten records of gaps before it on the source).
        PartitionSyncs s = syncs(50, 45, 100, 90);
        assertEquals(100, OffsetMapping.MIRRORMAKER2.replicatedThrough(s, 90), "the synced record itself is not yet below the end");
        assertEquals(105, OffsetMapping.MIRRORMAKER2.replicatedThrough(s, 95));
        assertEquals(-1, OffsetMapping.MIRRORMAKER2.replicatedThrough(new PartitionSyncs(), 5), "no sync: unknown");
        assertEquals(0, OffsetMapping.MIRRORMAKER2.replicatedThrough(new PartitionSyncs(), 0), "empty on both sides");
    }

    @Test
    void onlyACountPastTheLatestSyncNeedsTheLastRecordSeen() {
        PartitionSyncs s = syncs(100, 90);
        assertTrue(OffsetMapping.MIRRORMAKER2.countsPastLatestSync(s, 95), "five target records stand for five source records only if none is a second copy");
        assertFalse(OffsetMapping.MIRRORMAKER2.countsPastLatestSync(s, 90), "the sync itself says so");
        assertFalse(OffsetMapping.MIRRORMAKER2.countsPastLatestSync(new PartitionSyncs(), 5), "no sync: nothing is counted");
        assertFalse(OffsetMapping.IDENTITY.countsPastLatestSync(null, 95));
    }

    @Test
    void aGroupAtTheFencedEndMapsToTheTargetsEndExactly() {
        PartitionSyncs s = syncs(10, 10);
        assertEquals(new OffsetMapping.Translated(180, 0), OffsetMapping.MIRRORMAKER2.toTarget(s, 200, 200, 180));
    }

    @Test
    void betweenTwoSyncsWithoutGapsTheTranslationIsExact() {
        PartitionSyncs s = syncs(100, 90, 200, 190);
        assertEquals(new OffsetMapping.Translated(140, 0), OffsetMapping.MIRRORMAKER2.toTarget(s, 150, 300, 290));
    }

    @Test
    void acrossAGapTheTranslationFallsBackAndReportsItsSlack() {
        // Source 100..200 holds 10 records that are not on the target (markers): never skip, re-deliver instead.
        PartitionSyncs s = syncs(100, 90, 200, 180);
        OffsetMapping.Translated t = OffsetMapping.MIRRORMAKER2.toTarget(s, 150, 300, 280);
        assertEquals(90, t.offset());
        assertEquals(50, t.slack());
    }

    @Test
    void withNoSyncAtOrBelowItStartsFromTheBeginning() {
        PartitionSyncs s = syncs(100, 100);
        assertEquals(new OffsetMapping.Translated(0, 40), OffsetMapping.MIRRORMAKER2.toTarget(s, 40, 300, 300));
    }

    @Test
    void backToTheSourceUsesTheSyncsTheOtherWay() {
        PartitionSyncs s = syncs(100, 90);
        assertEquals(new OffsetMapping.Translated(110, 0), OffsetMapping.MIRRORMAKER2.toSource(s, 100, 150, 140));
        assertEquals(new OffsetMapping.Translated(150, 0), OffsetMapping.MIRRORMAKER2.toSource(s, 140, 150, 140));
    }

    @Test
    void syncsAreBounded() {
        PartitionSyncs s = new PartitionSyncs();
        for (int i = 0; i < 20_000; i++) {
            s.add(i, i);
        }
        assertEquals(10_000, s.size());
        assertEquals(19_999L, s.latest().getKey());
    }
}
