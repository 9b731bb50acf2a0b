package io.cutover.proxy.core.log;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs one line per event, but at most {@code perSecond} lines a second; the lines it holds back are
 * counted and reported with the next line that gets through. A flood of bad clients then costs a
 * bounded amount of log, and the operator still learns how many there were.
 */
public final class RateLimitedLog {
    private final Logger log;
    private final int perSecond;
    private final AtomicLong windowStart = new AtomicLong();
    private final AtomicInteger inWindow = new AtomicInteger();
    private final AtomicInteger suppressed = new AtomicInteger();

    public RateLimitedLog(Logger log, int perSecond) {
        this.log = log;
        this.perSecond = perSecond;
    }

    public void warn(String format, Object... args) {
        if (admit()) {
            log.warn(withSuppressed(format), args);
        }
    }

    public void error(String format, Object... args) {
        if (admit()) {
            log.error(withSuppressed(format), args);
        }
    }

    public void info(String format, Object... args) {
        if (admit()) {
            log.info(withSuppressed(format), args);
        }
    }

    private boolean admit() {
        long now = System.nanoTime() / 1_000_000_000L;
        long start = windowStart.get();
        if (now != start && windowStart.compareAndSet(start, now)) {
            inWindow.set(0);
        }
        if (inWindow.incrementAndGet() <= perSecond) {
            return true;
        }
        suppressed.incrementAndGet();
        return false;
    }

    private String withSuppressed(String format) {
        int held = suppressed.getAndSet(0);
        return held == 0 ? format : format + " (" + held + " similar lines suppressed)";
    }
}
