package io.cutover.proxy.server.concurrent;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The proxy's background timers (heartbeats, discovery, samplers): one named daemon thread each, so
 * a thread dump says whose work it is and none of them keeps the JVM alive after the server stops.
 */
public final class DaemonScheduler {
    private DaemonScheduler() {
    }

    public static ScheduledExecutorService named(String threadName) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }
}
