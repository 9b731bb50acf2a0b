package io.cutover.proxy.server.net;

import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.codec.ResponseFrames;
import io.cutover.proxy.core.virtual.ProducerIdMapper;
import io.cutover.proxy.core.virtual.TransactionalProducers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Turns the real producer id and epoch in a transactional InitProducerId answer, and in an EndTxn
 * answer under transaction version 2 (which hands out the next epoch), into the client's virtual
 * ones.
 */
final class TransactionalResponses {
    private TransactionalResponses() {
    }

    static boolean applies(ResponseFixup fixup) {
        return fixup instanceof ResponseFixup.TransactionalInit
            || (fixup instanceof ResponseFixup.TransactionEnd e && e.virtualProducerId() >= 0);
    }

    /** Returns the frame to send on: {@code frame} itself when nothing changed. */
    static ByteBuf virtualise(ByteBufAllocator alloc, ByteBuf frame, InFlightRequest slot, String cluster, TransactionalProducers producers,
                              ProducerIdMapper.RealIdSource sourceIds) {
        if (slot.fixup instanceof ResponseFixup.TransactionalInit init) {
            InitProducerIdResponseData r = (InitProducerIdResponseData) MessageCodec.decodeResponse(frame, ApiKeys.INIT_PRODUCER_ID, slot.apiVersion);
            if (r.errorCode() != Errors.NONE.code()) {
                return frame;
            }
            long[] virtual = producers.initialized(init.transactionalId(), init.transactionTimeoutMs(), cluster, r.producerId(), r.producerEpoch(),
                sourceIds);
            if (virtual == null) {
                // No durable virtual id could be made: the client asks again (and fences this attempt).
                r.setErrorCode(Errors.COORDINATOR_LOAD_IN_PROGRESS.code()).setProducerId(-1).setProducerEpoch((short) -1);
            } else {
                r.setProducerId(virtual[0]).setProducerEpoch((short) virtual[1]);
            }
            return MessageCodec.encodeResponse(alloc, ResponseFrames.correlationId(frame), ApiKeys.INIT_PRODUCER_ID, slot.apiVersion, r);
        }
        long virtualProducerId = ((ResponseFixup.TransactionEnd) slot.fixup).virtualProducerId();
        EndTxnResponseData r = (EndTxnResponseData) MessageCodec.decodeResponse(frame, ApiKeys.END_TXN, slot.apiVersion);
        if (r.errorCode() != Errors.NONE.code() || r.producerId() < 0) {
            return frame;
        }
        short epoch = producers.ended(virtualProducerId, cluster, r.producerId(), r.producerEpoch());
        if (epoch < 0) {
            // The rolled-over real id could not be saved: the client retries EndTxn, which the
            // coordinator answers again for a transaction it already completed.
            r.setErrorCode(Errors.COORDINATOR_LOAD_IN_PROGRESS.code()).setProducerId(-1).setProducerEpoch((short) -1);
        } else {
            r.setProducerId(virtualProducerId).setProducerEpoch(epoch);
        }
        return MessageCodec.encodeResponse(alloc, ResponseFrames.correlationId(frame), ApiKeys.END_TXN, slot.apiVersion, r);
    }
}
