package io.cutover.proxy.core.routing.data;

import io.cutover.proxy.core.codec.MalformedFrameException;
import io.cutover.proxy.core.codec.RequestFrames;
import io.cutover.proxy.core.codec.SchemaWalker;
import io.cutover.proxy.core.codec.Varints;
import io.cutover.proxy.core.virtual.ProducerIdMapper;
import io.cutover.proxy.core.virtual.RecordBatchHeaders;
import io.cutover.proxy.core.virtual.TransactionalProducers;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;

/**
 * Routes the common Produce where it lies: every partition it names routes to this connection's
 * cluster, and every producer id in its batches maps to this cluster as {@link ProduceRouting} would
 * map it, without a new mapping. Then topic ids (v13+) become this cluster's real ones and batch
 * headers get their real producer id and epoch, CRC32C recomputed, by writing over those bytes;
 * nothing is decoded or copied, records included.
 *
 * <p>Anything else is left to ProduceRouting, the decoding path, because only it can answer part
 * of a request: a partition that routes elsewhere (NOT_LEADER_OR_FOLLOWER), a topic id not known
 * (UNKNOWN_TOPIC_ID), a producer that needs a new real id (its saving and a retriable error while
 * none is at hand), a transactional id that routes elsewhere, an old record format, a version this
 * walker was not built for, or more topics or batches to rewrite than one pass keeps. The frame is
 * read in full before any byte changes, so the decoding path always gets it as the client sent it.
 */
public final class ProduceRequestInPlace {
    private static final int TRANSACTIONAL_ID = 0;
    private static final int TOPIC_NAME = 1;
    private static final int TOPIC_ID = 2;
    private static final int RECORDS = 3;
    private static final short FIRST_VERSION = 3;
    private static final short FIRST_FLEXIBLE_VERSION = 9;
    /** Rewrites one pass plans; a request needing more goes the decoding path. */
    static final int MAX_REWRITES = 4096;

    private static final SchemaWalker[] WALKERS = new SchemaWalker[ProduceRequestData.SCHEMAS.length];
    private static final ThreadLocal<Pass> PASS = ThreadLocal.withInitial(Pass::new);

    static {
        for (int v = FIRST_VERSION; v < WALKERS.length; v++) {
            if (ProduceRequestData.SCHEMAS[v] != null) {
                WALKERS[v] = SchemaWalker.compile(ProduceRequestData.SCHEMAS[v],
                    List.of("transactional_id", "topic_data.name", "topic_data.topic_id", "topic_data.partition_data.records"));
            }
        }
    }

    private ProduceRequestInPlace() {
    }

    /**
     * Routes a Produce frame in place. Returns the topics and transactional id it names (a holder
     * of this thread's, valid until its next call), or null, having changed nothing, when the
     * decoding path must route it. The frame must be one contiguous buffer.
     *
     * @throws MalformedFrameException when a length in the frame, record batches included, is a lie
     */
    public static ProducedTopics tryRoute(ByteBuf frame, short version, RequestScope scope) {
        if (version < FIRST_VERSION || version >= WALKERS.length || WALKERS[version] == null || frame.nioBufferCount() != 1) {
            return null;
        }
        int body = frame.readerIndex() + RequestFrames.bodyOffset(frame, ApiKeys.PRODUCE.requestHeaderVersion(version));
        Pass pass = PASS.get();
        pass.reset(version, scope);
        try {
            WALKERS[version].walk(frame, body, frame.writerIndex(), pass);
            if (pass.decodingPath) {
                return null;
            }
            pass.apply(frame);
            return pass.topics;
        } finally {
            pass.scope = null; // the scope holds a connection's routes: not kept past the call
        }
    }

    /** One per event loop thread, reused: reads the frame and plans the rewrites, then applies them. */
    private static final class Pass implements SchemaWalker.Visitor {
        final ProducedTopics topics = new ProducedTopics();
        final RecentNames names = new RecentNames();
        final VirtualTopicNames virtualNames = new VirtualTopicNames();
        final CRC32C crc = new CRC32C();
        boolean flexible;
        boolean byId;
        RequestScope scope;
        boolean decodingPath;
        /** The topic whose partitions are being read. */
        String topic;
        /**
         * The last idempotent mapping looked up in this request: a producer's batches for one topic
         * share it, so the mapper (a boxed key per lookup) is asked once per topic, not per batch.
         */
        long lastVirtualId;
        String lastTopic;
        long lastRealId;

        // Planned topic-id rewrites: where, and the real id.
        int idCount;
        int[] idAt = new int[8];
        long[] idMsb = new long[8];
        long[] idLsb = new long[8];
        // Planned batch rewrites: where, how long, and the real producer id and epoch.
        int batchCount;
        int[] batchAt = new int[16];
        int[] batchSize = new int[16];
        long[] batchProducer = new long[16];
        short[] batchEpoch = new short[16];

        void reset(short version, RequestScope scope) {
            this.flexible = version >= FIRST_FLEXIBLE_VERSION;
            this.byId = TopicResolution.byId(version);
            this.scope = scope;
            this.decodingPath = false;
            this.topic = null;
            this.lastTopic = null;
            this.idCount = 0;
            this.batchCount = 0;
            topics.clear();
        }

        @Override
        public void field(int watch, ByteBuf buf, int offset, int length) {
            switch (watch) {
                case TRANSACTIONAL_ID -> transactionalId(buf, offset, length);
                case TOPIC_NAME -> {
                    String name = string(buf, offset, length);
                    if (name == null) {
                        decodingPath = true; // a null topic name: Kafka's parser says what is wrong
                    } else {
                        topic(name);
                    }
                }
                case TOPIC_ID -> topicId(buf, offset);
                case RECORDS -> records(buf, offset, length);
                default -> {
                }
            }
        }

        private void transactionalId(ByteBuf buf, int offset, int length) {
            String id = string(buf, offset, length);
            topics.transactionalId(id);
            // A transaction's writes stay with its coordinator's cluster: the decoding path refuses
            // or redirects the rest.
            if (id != null && !scope.cluster().equals(scope.routes().transactionalId(id))) {
                decodingPath = true;
            }
        }

        private void topicId(ByteBuf buf, int offset) {
            long msb = buf.getLong(offset);
            long lsb = buf.getLong(offset + 8);
            String name = virtualNames.nameOf(scope.topicIds(), msb, lsb);
            if (name == null) {
                decodingPath = true;
                return;
            }
            topic(name);
            if (decodingPath || !scope.virtualize()) {
                return;
            }
            Uuid real = scope.topicIds().realId(scope.cluster(), name);
            if (real == null) {
                decodingPath = true; // the decoding path asks for the ids to be learnt again
            } else if (real.getMostSignificantBits() != msb || real.getLeastSignificantBits() != lsb) {
                planTopicId(offset, real);
            }
        }

        private void topic(String name) {
            topic = name;
            if (scope.movedAway(name) || !topics.add(name)) {
                decodingPath = true;
            }
        }

        /**
         * Checks every batch of a records field (given with its length prefix) and plans the
         * producer rewrites of those that need one.
         */
        private void records(ByteBuf buf, int offset, int length) {
            int end = offset + length;
            int pos;
            long size;
            if (flexible) {
                size = Varints.readUnsignedVarint(buf, offset, end) - 1;
                pos = Varints.endOfUnsignedVarint(buf, offset, end);
            } else {
                size = buf.getInt(offset);
                pos = offset + 4;
            }
            if (size < 0) {
                return; // null records: nothing to map (the walker has refused lengths below -1)
            }
            while (pos < end) {
                if (end - pos < RecordBatchHeaders.LOG_OVERHEAD) {
                    throw new MalformedFrameException("Produce records end in a truncated batch header at byte " + pos);
                }
                int batchLength = RecordBatchHeaders.batchLength(buf, pos);
                // Compared with the room left: 12 + a length near 2^31 would overflow.
                if (batchLength < 0 || batchLength > end - pos - RecordBatchHeaders.LOG_OVERHEAD) {
                    throw new MalformedFrameException("Produce record batch at byte " + pos + " claims " + batchLength
                        + " bytes, more than its records field holds");
                }
                int batchSize = RecordBatchHeaders.LOG_OVERHEAD + batchLength;
                if (batchSize < RecordBatchHeaders.MIN_MAGIC_BATCH) {
                    throw new MalformedFrameException("Produce record batch at byte " + pos + " of " + batchSize + " bytes is too short");
                }
                if (RecordBatchHeaders.magic(buf, pos) != 2) {
                    decodingPath = true; // an old format: the broker refuses it with the right error
                } else if (batchSize < DefaultRecordBatch.RECORD_BATCH_OVERHEAD) {
                    throw new MalformedFrameException("Produce record batch at byte " + pos + " of " + batchSize
                        + " bytes is shorter than a v2 batch header");
                } else if (!decodingPath && scope.producers() != null) {
                    mapProducer(buf, pos, batchSize);
                }
                pos += batchSize;
            }
        }

        /** As ProducerBatches.mapToCluster, for one batch, without taking or saving any id. */
        private void mapProducer(ByteBuf buf, int batchStart, int batchSize) {
            long virtualId = RecordBatchHeaders.producerId(buf, batchStart);
            if (virtualId < 0) {
                return; // not idempotent: no producer id to map
            }
            short epoch = RecordBatchHeaders.producerEpoch(buf, batchStart);
            if (RecordBatchHeaders.isTransactional(buf, batchStart)) {
                TransactionalProducers transactional = scope.transactional();
                if (transactional == null || !transactional.isTransactional(virtualId)) {
                    return; // a producer the proxy did not initialise: its ids are real already
                }
                TransactionalProducers.Real real = transactional.real(virtualId, scope.cluster());
                if (real == null) {
                    decodingPath = true; // the decoding path adopts the producer on this cluster
                } else if (real.producerId() != virtualId || real.epochOffset() != 0) {
                    planBatch(batchStart, batchSize, real.producerId(), real.realEpoch(epoch));
                }
                return;
            }
            if (scope.producers().firstSequences().covers(virtualId)) {
                decodingPath = true; // a switch moved one of its partitions: its first batch there is checked on the decoding path
                return;
            }
            long real;
            if (virtualId == lastVirtualId && topic == lastTopic) {
                real = lastRealId;
            } else {
                real = scope.producers().existingRealFor(virtualId, scope.cluster(), topic);
                lastVirtualId = virtualId;
                lastTopic = topic;
                lastRealId = real;
            }
            if (real == ProducerIdMapper.NOT_YET) {
                decodingPath = true; // a new mapping: the decoding path makes and saves it
            } else if (real != virtualId) {
                planBatch(batchStart, batchSize, real, epoch); // the epoch stays the client's
            }
        }

        private void planTopicId(int at, Uuid real) {
            if (idCount == MAX_REWRITES) {
                decodingPath = true;
                return;
            }
            if (idCount == idAt.length) {
                int n = Math.min(MAX_REWRITES, idCount * 2);
                idAt = java.util.Arrays.copyOf(idAt, n);
                idMsb = java.util.Arrays.copyOf(idMsb, n);
                idLsb = java.util.Arrays.copyOf(idLsb, n);
            }
            idAt[idCount] = at;
            idMsb[idCount] = real.getMostSignificantBits();
            idLsb[idCount] = real.getLeastSignificantBits();
            idCount++;
        }

        private void planBatch(int at, int size, long producerId, short epoch) {
            if (batchCount == MAX_REWRITES) {
                decodingPath = true;
                return;
            }
            if (batchCount == batchAt.length) {
                int n = Math.min(MAX_REWRITES, batchCount * 2);
                batchAt = java.util.Arrays.copyOf(batchAt, n);
                batchSize = java.util.Arrays.copyOf(batchSize, n);
                batchProducer = java.util.Arrays.copyOf(batchProducer, n);
                batchEpoch = java.util.Arrays.copyOf(batchEpoch, n);
            }
            batchAt[batchCount] = at;
            batchSize[batchCount] = size;
            batchProducer[batchCount] = producerId;
            batchEpoch[batchCount] = epoch;
            batchCount++;
        }

        void apply(ByteBuf frame) {
            for (int i = 0; i < idCount; i++) {
                frame.setLong(idAt[i], idMsb[i]);
                frame.setLong(idAt[i] + 8, idLsb[i]);
            }
            if (batchCount == 0) {
                return;
            }
            // One NIO view of the frame for all its batches (Netty's cached one where it has it):
            // CRC32C reads through it. Index i of the frame is index base + i - readerIndex there.
            int start = frame.readerIndex();
            ByteBuffer view = frame.internalNioBuffer(start, frame.readableBytes());
            int base = view.position();
            for (int i = 0; i < batchCount; i++) {
                RecordBatchHeaders.setProducer(view, base + batchAt[i] - start, batchSize[i], batchProducer[i], batchEpoch[i], crc);
            }
        }

        /** A string field (given with its length prefix), or null. */
        private String string(ByteBuf buf, int offset, int length) {
            int end = offset + length;
            long size;
            int pos;
            if (flexible) {
                size = Varints.readUnsignedVarint(buf, offset, end) - 1;
                pos = Varints.endOfUnsignedVarint(buf, offset, end);
            } else {
                size = buf.getShort(offset);
                pos = offset + 2;
            }
            return size < 0 ? null : names.get(buf, pos, (int) size);
        }
    }
}
