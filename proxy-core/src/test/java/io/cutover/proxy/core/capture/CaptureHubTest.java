package io.cutover.proxy.core.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CaptureHub's refusals say what to do in the capture's own terms; the admin API adds its paths. */
class CaptureHubTest {
    @TempDir
    Path dir;

    private static CaptureSpec spec(String name) {
        return new CaptureSpec(name, CaptureFilter.ALL, 1 << 20, Duration.ofMinutes(5));
    }

    @Test
    void aSecondCaptureWhileOneRunsIsRefusedNamingTheRunningOne() throws Exception {
        CaptureHub hub = new CaptureHub(dir, 1 << 20, Clock.systemUTC());
        try {
            Capture first = hub.start(spec("first"));
            CaptureConflictException e = assertThrows(CaptureConflictException.class, () -> hub.start(spec("second")));
            assertEquals("capture first is running; stop the capture first", e.getMessage());
            assertEquals("first", e.runningCapture());
            assertFalse(e.getMessage().contains("/"), "no HTTP path in the domain's words");

            hub.stop("first", "test");
            assertTrue(first.awaitFinished(10, TimeUnit.SECONDS));
            CaptureConflictException taken = assertThrows(CaptureConflictException.class, () -> hub.start(spec("first")));
            assertNull(taken.runningCapture(), "a name taken is not a running capture");
        } finally {
            hub.close();
        }
    }
}
