package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.route.OpenTransactions;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RawKafkaClient;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.Topics;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The proxy tracks a transaction as open only once a broker accepted it: requests the brokers refuse
 * hold no route change, a real open transaction still does, and one connection cannot make the
 * proxy track transactions without limit.
 */
@ExtendWith(KafkaClusterExtension.class)
class OpenTransactionTrackingTest {
    private static final short ADD_PARTITIONS_V3 = 3;
    private static final short INIT_PRODUCER_ID_V4 = 4;
    private static final short FIND_COORDINATOR_V4 = 4;

    private static String topicOnBoth(EmbeddedKafkaCluster source, EmbeddedKafkaCluster target) throws Exception {
        String topic = Clients.unique("txn-tracking");
        for (EmbeddedKafkaCluster c : List.of(source, target)) {
            try (Admin admin = Clients.admin(c.bootstrapServers())) {
                Topics.create(admin, new NewTopic(topic, 1, (short) 1));
            }
        }
        return topic;
    }

    private static String flipBody(String topic) {
        return "{\"resource\":\"topic\",\"pattern\":\"" + topic + "\",\"cluster\":\"target\"}";
    }

    private static AddPartitionsToTxnRequestData addPartitions(String transactionalId, long producerId, short epoch, String topic) {
        var topics = new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection();
        topics.add(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic().setName(topic).setPartitions(List.of(0)));
        return new AddPartitionsToTxnRequestData().setV3AndBelowTransactionalId(transactionalId).setV3AndBelowProducerId(producerId)
            .setV3AndBelowProducerEpoch(epoch).setV3AndBelowTopics(topics);
    }

    private static short partitionError(AddPartitionsToTxnResponseData r, String topic) {
        return r.resultsByTopicV3AndBelow().find(topic).resultsByPartition().find(0).partitionErrorCode();
    }

    private static OpenTransactions open(RunningProxy proxy) {
        return proxy.server().routing().openTransactions();
    }

    @Test
    void addPartitionsToTxnTheBrokerRefusesHoldsNoFlipWhileARealOpenTransactionDoes(EmbeddedKafkaCluster source,
                                                                                      @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        String bogusTopic = topicOnBoth(source, target);
        String realTopic = topicOnBoth(source, target);
        String txnId = Clients.unique("txn");
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of("routing.transaction-wait", "2s"));
             RawKafkaClient raw = RawKafkaClient.connect(proxy.bootstrapServers());
             KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(),
                 Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txnId))) {
            // A transactional id no producer ever initialised, with a made-up producer id: the broker refuses it.
            raw.send(ApiKeys.ADD_PARTITIONS_TO_TXN, ADD_PARTITIONS_V3, addPartitions(Clients.unique("never-initialised"), 4242, (short) 0, bogusTopic));
            AddPartitionsToTxnResponseData refused = raw.receive(ApiKeys.ADD_PARTITIONS_TO_TXN, ADD_PARTITIONS_V3).as(AddPartitionsToTxnResponseData.class);
            assertNotEquals(Errors.NONE.code(), partitionError(refused, bogusTopic), "the broker refuses the made-up transaction");
            assertEquals(0, open(proxy).size(), "a refused AddPartitionsToTxn opens nothing");

            HttpResponse<String> flip = proxy.send("POST", "/routes/flip", flipBody(bogusTopic), Map.of());
            assertEquals(200, flip.statusCode(), "the flip is not held by the refused request: " + flip.body());

            // The real thing: a producer with a transaction open on realTopic still holds its flip.
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(realTopic, 0, null, "open")).get(30, TimeUnit.SECONDS);
            assertEquals(1, open(proxy).size(), "the accepted write opened the transaction");
            HttpResponse<String> held = proxy.send("POST", "/routes/flip", flipBody(realTopic), Map.of());
            assertEquals(409, held.statusCode(), held.body());
            assertTrue(held.body().contains(txnId), "the refusal names the open transaction: " + held.body());
            producer.commitTransaction();
            assertEquals(0, open(proxy).size(), "the commit ended it");
            HttpResponse<String> after = proxy.send("POST", "/routes/flip", flipBody(realTopic), Map.of());
            assertEquals(200, after.statusCode(), after.body());
        }
    }

    @Test
    void oneConnectionHasAtMostSixteenTransactionalIdsTracked(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        String topic = topicOnBoth(source, target);
        int ids = 20;
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of());
             RawKafkaClient raw = RawKafkaClient.connect(proxy.bootstrapServers())) {
            for (int i = 0; i < ids; i++) {
                String txnId = Clients.unique("many-" + i);
                InitProducerIdResponseData init = Await.until("InitProducerId for " + txnId + " answered without error",
                    Duration.ofSeconds(30), () -> {
                        // Looking the coordinator up first makes the broker create its transaction log if need be.
                        raw.send(ApiKeys.FIND_COORDINATOR, FIND_COORDINATOR_V4, new FindCoordinatorRequestData()
                            .setKeyType(CoordinatorType.TRANSACTION.id()).setCoordinatorKeys(List.of(txnId)));
                        raw.receive(ApiKeys.FIND_COORDINATOR, FIND_COORDINATOR_V4);
                        raw.send(ApiKeys.INIT_PRODUCER_ID, INIT_PRODUCER_ID_V4,
                            new InitProducerIdRequestData().setTransactionalId(txnId).setTransactionTimeoutMs(60_000));
                        return raw.receive(ApiKeys.INIT_PRODUCER_ID, INIT_PRODUCER_ID_V4).as(InitProducerIdResponseData.class);
                    }, r -> r.errorCode() == Errors.NONE.code());
                raw.send(ApiKeys.ADD_PARTITIONS_TO_TXN, ADD_PARTITIONS_V3, addPartitions(txnId, init.producerId(), init.producerEpoch(), topic));
                AddPartitionsToTxnResponseData added = raw.receive(ApiKeys.ADD_PARTITIONS_TO_TXN, ADD_PARTITIONS_V3)
                    .as(AddPartitionsToTxnResponseData.class);
                assertEquals(Errors.NONE.code(), partitionError(added, topic), "the broker accepted transaction " + i);
            }
            assertEquals(16, open(proxy).size(), "every transaction was accepted, but one connection has at most 16 tracked");
        }
    }
}
