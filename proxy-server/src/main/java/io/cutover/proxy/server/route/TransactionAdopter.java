package io.cutover.proxy.server.route;

import io.cutover.proxy.core.routing.data.RequestScope;
import io.cutover.proxy.core.virtual.TransactionalProducers;
import io.cutover.proxy.server.upstream.ClusterLink;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When a transactional id has moved to a cluster, its producer's first request there finds no real
 * id: the proxy asks that cluster's transaction coordinator for one (InitProducerId with the
 * transactional id, which also fences any older producer of that id there) while the client is told
 * to retry. One attempt at a time per producer and cluster, and none once one has succeeded there
 * ({@link TransactionalProducers#beginAdoption}).
 */
public final class TransactionAdopter implements RequestScope.Adopter {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionAdopter.class);

    private final Map<String, ClusterLink> links;
    private final TransactionalProducers producers;

    public TransactionAdopter(Map<String, ClusterLink> links, TransactionalProducers producers) {
        this.links = links;
        this.producers = producers;
    }

    @Override
    public void adopt(long virtualId, String cluster) {
        TransactionalProducers.Adoption adoption = producers.beginAdoption(virtualId, cluster);
        if (adoption == null) {
            return;
        }
        String transactionalId = adoption.transactionalId();
        ClusterLink link = links.get(cluster);
        if (link == null) {
            producers.abandoned(adoption);
            return;
        }
        link.<FindCoordinatorResponseData>send(ApiKeys.FIND_COORDINATOR, (short) 4, new FindCoordinatorRequestData()
                .setKeyType(FindCoordinatorRequest.CoordinatorType.TRANSACTION.id()).setCoordinatorKeys(List.of(transactionalId)))
            .thenCompose(found -> {
                FindCoordinatorResponseData.Coordinator c = found.coordinators().get(0);
                if (c.errorCode() != Errors.NONE.code()) {
                    throw new IllegalStateException("no transaction coordinator for " + transactionalId + " on " + cluster + ": "
                        + Errors.forCode(c.errorCode()));
                }
                return link.<InitProducerIdResponseData>sendTo(c.host(), c.port(), ApiKeys.INIT_PRODUCER_ID, (short) 5,
                    new InitProducerIdRequestData().setTransactionalId(transactionalId)
                        .setTransactionTimeoutMs(adoption.transactionTimeoutMs()).setProducerId(-1).setProducerEpoch((short) -1));
            })
            .whenComplete((r, e) -> {
                if (e != null || r.errorCode() != Errors.NONE.code()) {
                    producers.abandoned(adoption);
                    LOG.info("transactional id {} has no producer id on {} yet: {}", transactionalId, cluster,
                        e != null ? e.getMessage() : Errors.forCode(r.errorCode()));
                    return;
                }
                if (!producers.adopted(adoption, r.producerId(), r.producerEpoch())) {
                    return; // stale or not saved, so not used: the producer's next request adopts afresh
                }
                LOG.info("transactional id {} moved to {}: real producer id {} epoch {}", transactionalId, cluster, r.producerId(),
                    r.producerEpoch());
            });
    }
}
