package io.cutover.proxy.core.capture;

import java.util.Arrays;

/**
 * Cuts one direction's byte stream into Kafka frames at their 4-byte size prefixes. A direction
 * captured from its start is framed from its first byte; one captured mid-stream first hunts, with
 * a {@link KafkaFrameSync}, for the first position where a frame plausibly starts.
 */
final class KafkaFrameSplitter implements TcpStreamReassembler.Receiver {
    /** Where whole frames (without their size prefix) and the direction's end go. */
    interface FrameSink {
        void frame(byte[] frame, long timestampMicros);

        void ended(StreamEnd how, long timestampMicros);
    }

    private static final int FIRST_CHUNK = 1 << 16;

    private final FrameSink sink;
    private final CaptureStats stats;
    private final int minFrame;
    private KafkaFrameSync sync;
    private byte[] hunted = new byte[0];
    private int huntedLength;
    private long huntDropped;
    private final byte[] sizePrefix = new byte[4];
    private int sizeFilled;
    private byte[] frame;
    private int frameSize;
    private int frameFilled;
    private boolean done;

    /** {@code sync} is null for a direction captured from its first byte. */
    KafkaFrameSplitter(FrameSink sink, CaptureStats stats, int minFrame, KafkaFrameSync sync) {
        this.sink = sink;
        this.stats = stats;
        this.minFrame = minFrame;
        this.sync = sync;
    }

    @Override
    public boolean data(byte[] b, int offset, int length, long micros) {
        if (done) {
            return false;
        }
        if (sync != null) {
            return hunt(b, offset, length, micros);
        }
        return split(b, offset, length, micros);
    }

    @Override
    public void ended(StreamEnd how, long micros) {
        if (done) {
            return;
        }
        done = true;
        if (sync != null) {
            dropHunted(huntedLength);
        } else if (sizeFilled > 0 || frame != null) {
            stats.dropped(sizeFilled + (frame != null ? frameFilled : 0));
            if (how != StreamEnd.GAP) {
                stats.warn(CaptureWarning.INCOMPLETE_FRAME);
            }
        }
        frame = null;
        hunted = null;
        sink.ended(how, micros);
    }

    private boolean hunt(byte[] b, int offset, int length, long micros) {
        if (!sync.ready()) {
            huntDropped += huntedLength + length;
            huntedLength = 0;
            return true;
        }
        if (huntedLength + length > hunted.length) {
            hunted = Arrays.copyOf(hunted, Math.max(huntedLength + length, 2 * hunted.length));
        }
        System.arraycopy(b, offset, hunted, huntedLength, length);
        huntedLength += length;
        int pos = 0;
        while (pos < huntedLength) {
            int verdict = sync.judge(hunted, pos, huntedLength);
            if (verdict == KafkaFrameSync.MORE) {
                break;
            }
            if (verdict == KafkaFrameSync.YES) {
                byte[] rest = hunted;
                int restLength = huntedLength - pos;
                dropHunted(pos);
                sync = null;
                hunted = null;
                return split(rest, pos, restLength, micros);
            }
            pos++;
        }
        // Positions already judged can never start a frame; keep only the undecided tail.
        System.arraycopy(hunted, pos, hunted, 0, huntedLength - pos);
        huntedLength -= pos;
        huntDropped += pos;
        if (hunted.length > FIRST_CHUNK && huntedLength < FIRST_CHUNK) {
            hunted = Arrays.copyOf(hunted, FIRST_CHUNK);
        }
        return true;
    }

    /** Bytes before the sync point (or all, if it never came) are lost; say so once per direction. */
    private void dropHunted(int more) {
        huntDropped += more;
        if (huntDropped > 0) {
            stats.dropped(huntDropped);
            stats.warn(CaptureWarning.MID_STREAM_START);
        }
        huntDropped = 0;
    }

    private boolean split(byte[] b, int offset, int length, long micros) {
        int pos = offset;
        int end = offset + length;
        while (pos < end) {
            if (frame == null) {
                int n = Math.min(4 - sizeFilled, end - pos);
                System.arraycopy(b, pos, sizePrefix, sizeFilled, n);
                sizeFilled += n;
                pos += n;
                if (sizeFilled < 4) {
                    break;
                }
                sizeFilled = 0;
                int size = BigEndian.i32(sizePrefix, 0);
                if (size < minFrame || size > KafkaFrameSync.MAX_FRAME_BYTES) {
                    stats.warn(CaptureWarning.NOT_KAFKA);
                    stats.dropped(4L + end - pos);
                    done = true;
                    sink.ended(StreamEnd.NOT_KAFKA, micros);
                    return false;
                }
                frameSize = size;
                frameFilled = 0;
                // Grown as bytes arrive, so a bogus size costs memory only for bytes really sent.
                frame = new byte[Math.min(size, FIRST_CHUNK)];
            } else {
                int n = Math.min(frameSize - frameFilled, end - pos);
                if (frameFilled + n > frame.length) {
                    frame = Arrays.copyOf(frame, (int) Math.min(frameSize, Math.max(frameFilled + n, 2L * frame.length)));
                }
                System.arraycopy(b, pos, frame, frameFilled, n);
                frameFilled += n;
                pos += n;
            }
            if (frame != null && frameFilled == frameSize) {
                byte[] whole = frame;
                frame = null;
                sink.frame(whole, micros);
            }
        }
        return true;
    }
}
