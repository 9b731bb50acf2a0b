package io.cutover.proxy.core.capture;

import java.math.BigInteger;

/** Converts timestamps kept in a file's own units to microseconds since the epoch. */
final class CaptureTimestamps {
    private static final long MICROS_PER_SECOND = 1_000_000L;
    /** Below this, the fraction times a million cannot overflow a long. */
    private static final long EXACT_UNITS_LIMIT = 1L << 43;

    private CaptureTimestamps() {
    }

    /** {@code ticks} (unsigned) of {@code 1 / unitsPerSecond} second each. */
    static long toMicros(long ticks, long unitsPerSecond) {
        if (unitsPerSecond == MICROS_PER_SECOND) {
            return ticks;
        }
        long seconds = Long.divideUnsigned(ticks, unitsPerSecond);
        long fraction = Long.remainderUnsigned(ticks, unitsPerSecond);
        long fractionMicros = unitsPerSecond < EXACT_UNITS_LIMIT
            ? fraction * MICROS_PER_SECOND / unitsPerSecond
            : BigInteger.valueOf(fraction).multiply(BigInteger.valueOf(MICROS_PER_SECOND))
                .divide(BigInteger.valueOf(unitsPerSecond)).longValueExact();
        return seconds * MICROS_PER_SECOND + fractionMicros;
    }
}
