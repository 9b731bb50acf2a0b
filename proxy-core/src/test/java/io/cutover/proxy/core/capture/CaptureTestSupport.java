package io.cutover.proxy.core.capture;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reading helpers shared by the capture tests. */
final class CaptureTestSupport {
    private CaptureTestSupport() {
    }

    static CaptureReader reader(byte[] capture, int... ports) throws IOException {
        Set<Integer> set = new java.util.HashSet<>();
        for (int p : ports) {
            set.add(p);
        }
        return new CaptureReader(new ByteArrayInputStream(capture), "test.cap", set);
    }

    static List<CaptureEvent> readAll(CaptureReader reader) throws IOException {
        List<CaptureEvent> events = new ArrayList<>();
        for (CaptureEvent e = reader.next(); e != null; e = reader.next()) {
            events.add(e);
        }
        return events;
    }

    static List<CapturedFrame> frames(List<CaptureEvent> events) {
        List<CapturedFrame> frames = new ArrayList<>();
        for (CaptureEvent e : events) {
            if (e instanceof CapturedFrame f) {
                frames.add(f);
            }
        }
        return frames;
    }

    static List<CapturedConnectionEnd> ends(List<CaptureEvent> events) {
        List<CapturedConnectionEnd> ends = new ArrayList<>();
        for (CaptureEvent e : events) {
            if (e instanceof CapturedConnectionEnd end) {
                ends.add(end);
            }
        }
        return ends;
    }
}
