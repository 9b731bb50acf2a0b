package io.cutover.proxy.server.net;

import io.cutover.proxy.core.routing.data.Misrouted;

/**
 * What one request's response needs on its way back to the client, beyond the rewriting every
 * response of its API gets (see ResponseRewriting). Set by the router that changed the request,
 * carried by its in-flight slot, applied by ResponseRewriteHandler. Most requests need none.
 */
sealed interface ResponseFixup {

    /** Partitions taken out of the request, which the response must report with their errors; usually null. */
    default Misrouted misrouted() {
        return null;
    }

    /** Partitions of a Produce, Fetch or ListOffsets that route elsewhere were answered by the proxy. */
    record MisroutedPartitions(Misrouted misrouted) implements ResponseFixup {
    }

    /**
     * A transactional InitProducerId: the real producer id and epoch in the answer become the
     * producer's virtual ones, and the answer ends whatever transaction the id had open unless a
     * prepared one is kept (KIP-939).
     */
    record TransactionalInit(String transactionalId, int transactionTimeoutMs, boolean endsTransaction) implements ResponseFixup {
    }

    /**
     * An EndTxn: a successful answer ends the transaction. Under transaction version 2 the answer
     * carries the next real epoch, turned into the virtual producer's when {@code virtualProducerId >= 0}.
     */
    record TransactionEnd(String transactionalId, long virtualProducerId) implements ResponseFixup {
    }

    /** An AddPartitionsToTxn (v3 and below) or AddOffsetsToTxn: a successful answer opens the transaction here. */
    record TransactionOpened(String transactionalId) implements ResponseFixup {
    }

    /**
     * A transactional Produce: under transaction version 2 (KIP-890) partitions join a transaction
     * by being written, so a successful answer opens it here.
     */
    record TransactionalProduce(String transactionalId, Misrouted misrouted) implements ResponseFixup {
    }
}
