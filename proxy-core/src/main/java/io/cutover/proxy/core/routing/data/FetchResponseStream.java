package io.cutover.proxy.core.routing.data;

import io.cutover.proxy.core.api.ApiSupport;
import io.cutover.proxy.core.codec.MalformedFrameException;
import io.cutover.proxy.core.codec.ResponseFrames;
import io.cutover.proxy.core.codec.SchemaWalker;
import io.cutover.proxy.core.virtual.TopicIds;
import io.netty.buffer.ByteBuf;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Lets a Fetch response go to the client while it still arrives from the broker: the records of a
 * megabyte response then reach the consumer as they come, as through a TCP proxy, instead of after
 * the proxy has gathered all of them. What the proxy must change in a Fetch response it changes as
 * the bytes go by, without changing their number: real topic ids become virtual ones and record
 * batches lose their leader epoch ({@link FetchResponseInPlace}'s edits, when identities are
 * virtualised). The frame's size prefix has gone out with its first bytes, so a response that needs
 * more (leader hints, a diverging epoch, a snapshot id, a preferred read replica, a topic id not
 * learnt yet) cannot be streamed:
 * <ul>
 *   <li>found before anything was sent, {@link #advance} says {@link #REFUSED} and the response takes
 *       the usual path, whole;</li>
 *   <li>found after, {@link #finish} says so and the caller must close the client's connection (the
 *       client fetches again; nothing is lost). Brokers send these fields only with leadership
 *       errors, follower fetching or log truncation, on partitions that then carry no records, so
 *       a large response meets one after its first records only when partitions of one response
 *       answer differently.</li>
 * </ul>
 *
 * <p>Only the bytes of records whose place is known are let go: everything before them has been
 * walked, checked and edited. Each {@link #advance} walks the response from its start again: the
 * walk skips records by their length, so it costs per partition, not per byte. One stream per
 * broker connection, reused from response to response; positions are kept relative to the frame's
 * start, since the bytes arrive in a different buffer each time.
 */
public final class FetchResponseStream implements SchemaWalker.Visitor {
    /** {@link #advance}: this response cannot be streamed, and nothing of it was sent. */
    public static final int REFUSED = -1;

    private static final int TOPIC_ID = 0;
    private static final int NODE_ENDPOINTS = 1;
    private static final int CURRENT_LEADER = 2;
    private static final int RECORDS = 3;
    private static final int DIVERGING_EPOCH = 4;
    private static final int SNAPSHOT_ID = 5;
    private static final int PREFERRED_READ_REPLICA = 6;
    /** KIP-951 leader hints name brokers from this version; earlier ones are passed on as they are (see LeaderHints). */
    private static final int FIRST_VERSION_WITH_HINTS = 16;
    private static final int BATCH_HEADER_BYTES = 17;
    private static final int BATCH_LENGTH_OFFSET = 8;
    private static final int BATCH_EPOCH_OFFSET = 12;
    private static final int BATCH_MAGIC_OFFSET = 16;
    private static final int BATCH_OVERHEAD = 12;

    private static final SchemaWalker[] WALKERS = new SchemaWalker[FetchResponseData.SCHEMAS.length];

    static {
        List<String> watched = List.of("responses.topic_id", "node_endpoints", "responses.partitions.current_leader",
            "responses.partitions.records", "responses.partitions.diverging_epoch", "responses.partitions.snapshot_id",
            "responses.partitions.preferred_read_replica");
        for (int v = 0; v < WALKERS.length; v++) {
            if (FetchResponseData.SCHEMAS[v] != null) {
                WALKERS[v] = SchemaWalker.compile(FetchResponseData.SCHEMAS[v], watched);
            }
        }
    }

    private SchemaWalker walker;
    private short headerVersion;
    private boolean virtualize;
    /** Without virtualised identities, only leader hints need the full rewrite, and only from the version that has them. */
    private boolean hintsMatter;
    private String cluster;
    private TopicIds ids;

    /** Bytes from the size prefix on that {@link #advance} has let go. */
    private int sent;
    /** Topic ids lying before this offset are virtual already. */
    private int idsWrittenTo;
    /** The next record batch whose epoch is still to be withheld, as an offset from the frame's start. */
    private int nextBatch;

    // The walk in progress.
    private boolean write;
    private boolean refused;
    private int frameStart;
    private int available;
    /** The records value last begun: where it starts and ends, absolute; -1 when none is open. */
    private int recordsStart = -1;
    private long recordsEnd;
    /** Where bytes may go to, absolute, as the walk found. */
    private int sendable;

    /**
     * Starts on the next response, of a request of {@code version}. False when this version is
     * not one the stream can walk; then nothing is to be streamed.
     */
    public boolean begin(short version, boolean virtualize, String cluster, TopicIds ids) {
        this.sent = 0;
        this.idsWrittenTo = 0;
        this.nextBatch = 0;
        if (version < 0 || version >= WALKERS.length || WALKERS[version] == null) {
            return false;
        }
        this.walker = WALKERS[version];
        this.headerVersion = ApiKeys.FETCH.responseHeaderVersion(version);
        this.virtualize = virtualize;
        this.hintsMatter = version >= FIRST_VERSION_WITH_HINTS && ApiSupport.rewritesResponse(ApiKeys.FETCH.id, version);
        this.cluster = cluster;
        this.ids = ids;
        return true;
    }

    /**
     * @param frame the response as far as it has come: its size prefix at the reader index, the
     *     bytes so far up to the writer index
     * @return how many bytes from the size prefix on may go to the client now, edited where they
     *     lie (never fewer than before); or {@link #REFUSED} when nothing has been let go yet and
     *     this response must take the usual path
     */
    public int advance(ByteBuf frame) {
        frameStart = frame.readerIndex();
        available = frame.writerIndex();
        int body;
        try {
            body = frameStart + ResponseFrames.bodyOffset(frame, headerVersion);
        } catch (MalformedFrameException notYet) {
            return sent;
        }
        walkSoFar(frame, body, false);
        if (refused) {
            // Once bytes have gone, the rest waits for the whole frame, where finish() tells.
            return sent == 0 ? REFUSED : sent;
        }
        if (virtualize) {
            // Only virtualised identities are written; otherwise the look found how far bytes may go.
            walkSoFar(frame, body, true);
        }
        if (sendable - frameStart > sent) {
            sent = sendable - frameStart;
        }
        return sent;
    }

    /**
     * The whole frame, of which {@link #advance} let the first bytes go: edits what it had not reached.
     * False when what had not gone yet needs more than editing in place (then the client must be
     * disconnected: the bytes sent cannot be taken back).
     */
    public boolean finish(ByteBuf frame) {
        frameStart = frame.readerIndex();
        available = frame.writerIndex();
        int body = frameStart + ResponseFrames.bodyOffset(frame, headerVersion);
        begin(false);
        walker.walk(frame, body, available, this);
        if (refused) {
            return false;
        }
        if (virtualize) {
            begin(true);
            walker.walk(frame, body, available, this);
        }
        return true;
    }

    /** Bytes let go so far. */
    public int sent() {
        return sent;
    }

    private void walkSoFar(ByteBuf frame, int body, boolean write) {
        begin(write);
        try {
            walker.walk(frame, body, available, this);
            // A whole response in bytes that are not yet the whole frame: left to the usual path to judge.
            refused = true;
        } catch (MalformedFrameException endOfWhatCame) {
            if (recordsStart >= 0) {
                sendable = virtualize ? withholdEpochs(frame, recordsStart, recordsEnd) : available;
            }
        }
    }

    private void begin(boolean write) {
        this.write = write;
        this.refused = false;
        this.recordsStart = -1;
        this.sendable = frameStart;
    }

    @Override
    public void opened(int watch, ByteBuf buf, int valueOffset, long length) {
        if (watch == RECORDS) {
            recordsStart = valueOffset;
            recordsEnd = valueOffset + length;
        }
    }

    @Override
    public void field(int watch, ByteBuf buf, int offset, int length) {
        switch (watch) {
            case TOPIC_ID -> {
                if (virtualize && offset - frameStart >= idsWrittenTo) {
                    Uuid virtual = TopicIdSwap.virtualOf(buf, offset, cluster, ids);
                    if (virtual == null) {
                        refused = true;
                    } else if (write) {
                        TopicIdSwap.writeId(buf, offset, virtual);
                        idsWrittenTo = offset - frameStart + 16;
                    }
                }
            }
            case NODE_ENDPOINTS -> refused |= virtualize || hintsMatter;
            case CURRENT_LEADER -> refused |= virtualize ? buf.getInt(offset) >= 0 || buf.getInt(offset + 4) >= 0
                : hintsMatter && buf.getInt(offset) >= 0;
            case DIVERGING_EPOCH, SNAPSHOT_ID -> refused |= virtualize;
            case PREFERRED_READ_REPLICA -> refused |= (virtualize || hintsMatter) && buf.getInt(offset) >= 0;
            case RECORDS -> {
                if (virtualize && write) {
                    withholdEpochs(buf, recordsStart, recordsEnd);
                }
                recordsStart = -1;
            }
            default -> {
            }
        }
    }

    /**
     * Sets partitionLeaderEpoch to -1 in each v2 batch of the records value from {@code start} to
     * {@code end} whose header has come and that is not done yet, as
     * {@link FetchResponseInPlace#withholdBatchEpochs} does to a whole one; returns how far bytes may
     * go: up to the first batch whose header has not come whole.
     */
    private int withholdEpochs(ByteBuf buf, int start, long end) {
        int pos = Math.max(start, frameStart + nextBatch);
        int canSend = available;
        while (end - pos >= BATCH_HEADER_BYTES) {
            if (available - pos < BATCH_HEADER_BYTES) {
                canSend = Math.min(pos, available);
                break;
            }
            int batchLength = buf.getInt(pos + BATCH_LENGTH_OFFSET);
            if (batchLength < 0 || batchLength > end - pos - BATCH_OVERHEAD) {
                pos = (int) end; // a partial trailing batch, cut off by the broker: it stays as it is
                break;
            }
            if (write && buf.getByte(pos + BATCH_MAGIC_OFFSET) == 2) {
                buf.setInt(pos + BATCH_EPOCH_OFFSET, -1);
            }
            pos += BATCH_OVERHEAD + batchLength;
        }
        if (write) {
            nextBatch = Math.max(nextBatch, (int) Math.min(pos, end) - frameStart);
        }
        return canSend;
    }
}
