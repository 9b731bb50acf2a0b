package io.cutover.proxy.server.replay;

import io.cutover.proxy.core.capture.CaptureEvent;
import io.cutover.proxy.core.capture.CaptureReader;
import io.cutover.proxy.core.capture.CapturedConnectionEnd;
import io.cutover.proxy.core.capture.CapturedFrame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Set;

/** A capture file's Kafka frames, as the replay reads them: the proxy's pcapng or a tcpdump capture. */
public final class CaptureFrames implements Replayer.FrameSource {
    private final CaptureReader reader;

    private CaptureFrames(CaptureReader reader) {
        this.reader = reader;
    }

    /** Opens {@code file}; {@code kafkaPorts} are the server ports whose TCP conversations are Kafka. */
    public static CaptureFrames open(Path file, Set<Integer> kafkaPorts) throws IOException {
        return new CaptureFrames(CaptureReader.open(file, kafkaPorts));
    }

    /**
     * Whom each connection of {@code file} logged in to the proxy as, by connection id (the ids the
     * frames carry): read through the whole capture before a replay starts, since a connection's
     * first requests come before its login. Connections that did not log in are absent.
     */
    public static java.util.Map<Integer, String> principals(Path file, Set<Integer> kafkaPorts) throws IOException {
        java.util.Map<Integer, String> principals = new java.util.HashMap<>();
        try (CaptureReader reader = CaptureReader.open(file, kafkaPorts)) {
            try {
                while (reader.next() != null) {
                    // drained for the logins it records
                }
            } catch (io.cutover.proxy.core.capture.CaptureFormatException e) {
                // A damaged capture is replayed up to the damage; the logins before it are known.
            }
            reader.connections().forEach(c -> {
                String p = reader.principal(c.connectionId());
                if (p != null) {
                    principals.put(c.connectionId(), p);
                }
            });
        }
        return principals;
    }

    @Override
    public Replayer.Frame next() throws IOException {
        CaptureEvent e = reader.next();
        if (e == null) {
            return null;
        }
        if (e instanceof CapturedConnectionEnd end) {
            return new Replayer.Frame(end.connectionId(), false, end.timestampMicros(), null);
        }
        CapturedFrame f = (CapturedFrame) e;
        return new Replayer.Frame(f.connectionId(), f.isRequest(), f.timestampMicros(), ByteBuffer.wrap(f.frame()));
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
