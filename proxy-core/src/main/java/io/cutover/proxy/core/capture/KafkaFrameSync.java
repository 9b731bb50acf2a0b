package io.cutover.proxy.core.capture;

import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Finds where Kafka frames start in a direction whose capture began mid-stream. Nothing in the
 * bytes marks a frame boundary, so it looks for a position whose header would be a plausible
 * frame: a size prefix in range, then for requests a known API key and version and a readable
 * client id, for responses the correlation id of a request seen on the connection.
 */
interface KafkaFrameSync {
    int MAX_FRAME_BYTES = 100 << 20;
    /** {@link #judge}: no frame starts here. */
    int NO = 0;
    /** {@link #judge}: a frame plausibly starts here. */
    int YES = 1;
    /** {@link #judge}: more bytes are needed to tell. */
    int MORE = -1;

    /** False while no position can be a frame start yet; bytes seen meanwhile are dropped. */
    boolean ready();

    /** Whether a frame starts at {@code pos} of the {@code length} bytes of {@code b}: YES, NO or MORE. */
    int judge(byte[] b, int pos, int length);

    /** Client to server: size, api key, api version, correlation id, client id. */
    final class Requests implements KafkaFrameSync {
        static final int MIN_FRAME_BYTES = 8;
        /** Size, api key, api version, correlation id and client id length. */
        private static final int FIXED_BYTES = 4 + 2 + 2 + 4 + 2;

        @Override
        public boolean ready() {
            return true;
        }

        @Override
        public int judge(byte[] b, int pos, int length) {
            int verdict = header(b, pos, length);
            if (verdict != YES) {
                return verdict;
            }
            // When the next frame's header is already here it must be plausible too: one lucky
            // header inside a record batch is far likelier than two in a row.
            long next = (long) pos + 4 + BigEndian.i32(b, pos);
            return next >= length ? YES : header(b, (int) next, length) == NO ? NO : YES;
        }

        private static int header(byte[] b, int pos, int length) {
            if (pos + FIXED_BYTES > length) {
                return MORE;
            }
            int size = BigEndian.i32(b, pos);
            if (size < MIN_FRAME_BYTES || size > MAX_FRAME_BYTES) {
                return NO;
            }
            short key = BigEndian.i16(b, pos + 4);
            short version = BigEndian.i16(b, pos + 6);
            if (!ApiKeys.hasId(key)) {
                return NO;
            }
            ApiKeys api = ApiKeys.forId(key);
            if (!api.hasValidVersion() || version < api.oldestVersion() || version > api.latestVersion(true)) {
                return NO;
            }
            int clientIdLength = BigEndian.i16(b, pos + 12);
            if (clientIdLength < -1 || FIXED_BYTES - 4 + Math.max(clientIdLength, 0) > size) {
                return NO;
            }
            int clientId = pos + FIXED_BYTES;
            if (clientId + Math.max(clientIdLength, 0) > length) {
                return MORE;
            }
            // Client ids are names people and libraries choose: text without control characters.
            // Zeros and small binary values, which record data is full of, fail this.
            for (int i = clientId; i < clientId + clientIdLength; i++) {
                int c = b[i] & 0xFF;
                if (c < 0x20 || c == 0x7F) {
                    return NO;
                }
            }
            return YES;
        }
    }

    /** Server to client: size, then the correlation id of a request still waiting for its response. */
    final class Responses implements KafkaFrameSync {
        static final int MIN_FRAME_BYTES = 4;
        private final InFlightRequests inFlight;

        Responses(InFlightRequests inFlight) {
            this.inFlight = inFlight;
        }

        @Override
        public boolean ready() {
            // A response is sent after its request: bytes before any request was seen answer
            // requests the capture missed.
            return !inFlight.isEmpty();
        }

        @Override
        public int judge(byte[] b, int pos, int length) {
            if (pos + 8 > length) {
                return MORE;
            }
            int size = BigEndian.i32(b, pos);
            return size >= MIN_FRAME_BYTES && size <= MAX_FRAME_BYTES && inFlight.contains(BigEndian.i32(b, pos + 4)) ? YES : NO;
        }
    }
}
