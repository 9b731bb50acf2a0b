package io.cutover.proxy.core.wave;

import java.util.Map;

/**
 * How a partition's offsets on one cluster relate to the same records on the other. IDENTITY is
 * for offset-preserving replicators (cluster linking); MIRRORMAKER2 reads MM2's offset syncs, whose
 * offsets differ wherever the source has gaps (transaction markers, compaction, retention).
 *
 * <p>Translation never skips a record: where the syncs cannot place an offset exactly, it lands on
 * an earlier target offset, and the difference is reported as the re-delivery it may cause.
 */
public enum OffsetMapping {
    IDENTITY, MIRRORMAKER2;

    /** A translated offset and how many records before it a consumer may see again because of the translation. */
    public record Translated(long offset, long slack) {
    }

    public static OffsetMapping parse(String s) {
        return switch (s) {
            case "identity" -> IDENTITY;
            case "mirrormaker2" -> MIRRORMAKER2;
            default -> throw new IllegalArgumentException("unknown offset mapping \"" + s + "\"; use mirrormaker2 or identity");
        };
    }

    public String configName() {
        return this == IDENTITY ? "identity" : "mirrormaker2";
    }

    /**
     * The source offset the target holds every record below, given the target's end offset; -1 when
     * the syncs cannot tell yet. For MM2, the latest sync plus the records the target holds after it
     * (the target side is written by one idempotent producer, without gaps).
     */
    public long replicatedThrough(PartitionSyncs syncs, long targetEnd) {
        if (this == IDENTITY) {
            return targetEnd;
        }
        Map.Entry<Long, Long> latest = syncs == null ? null : syncs.latest();
        if (latest == null) {
            return targetEnd == 0 ? 0 : -1;
        }
        long u = latest.getKey();
        long d = latest.getValue();
        return targetEnd <= d ? u : u + (targetEnd - d);
    }

    /**
     * True when {@link #replicatedThrough} counts records the target holds past the latest sync, each
     * as the copy of the next source record. That holds while MM2 copies each record once; a
     * restarted MM2 copies again what it had not committed progress for, and until its next sync
     * says so the target holds more records than there are source records they stand for.
     */
    public boolean countsPastLatestSync(PartitionSyncs syncs, long targetEnd) {
        if (this == IDENTITY) {
            return false;
        }
        Map.Entry<Long, Long> latest = syncs == null ? null : syncs.latest();
        return latest != null && targetEnd > latest.getValue();
    }

    /**
     * The target offset to resume from for a group committed at {@code committed} on the source.
     * {@code sourceEnd} and {@code targetEnd} are the ends of a caught-up, fenced partition, so they
     * name the same position and serve as one more sync.
     */
    public Translated toTarget(PartitionSyncs syncs, long committed, long sourceEnd, long targetEnd) {
        if (this == IDENTITY) {
            return new Translated(committed, 0);
        }
        if (committed >= sourceEnd) {
            return new Translated(targetEnd, 0);
        }
        Map.Entry<Long, Long> below = syncs == null ? null : syncs.atOrBelow(committed);
        if (below == null) {
            // Nothing known at or below: from the start of what the target has replicated. Bounded
            // by the records between there and the committed offset.
            return new Translated(0, committed);
        }
        long u1 = below.getKey();
        long d1 = below.getValue();
        Map.Entry<Long, Long> above = syncs.above(committed);
        long u2 = above == null ? sourceEnd : above.getKey();
        long d2 = above == null ? targetEnd : above.getValue();
        if (u2 - u1 == d2 - d1) {
            // No gap between the two known pairs: every source offset between them maps one to one.
            return new Translated(d1 + (committed - u1), 0);
        }
        return new Translated(d1, committed - u1);
    }

    /** The reverse, for a rollback: the source offset for a group committed at {@code committed} on the target. */
    public Translated toSource(PartitionSyncs syncs, long committed, long sourceEnd, long targetEnd) {
        if (this == IDENTITY) {
            return new Translated(committed, 0);
        }
        if (committed >= targetEnd) {
            return new Translated(sourceEnd, 0);
        }
        Map.Entry<Long, Long> below = syncs == null ? null : syncs.atOrBelowDownstream(committed);
        if (below == null) {
            return new Translated(0, committed);
        }
        long u1 = below.getKey();
        long d1 = below.getValue();
        if (sourceEnd - u1 == targetEnd - d1) {
            return new Translated(u1 + (committed - d1), 0);
        }
        return new Translated(u1, committed - d1);
    }
}
