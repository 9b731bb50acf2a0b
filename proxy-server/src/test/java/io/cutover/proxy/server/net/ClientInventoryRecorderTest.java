package io.cutover.proxy.server.net;

import static io.cutover.proxy.server.net.HandlerFixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** ClientInventoryRecorder behind a real RequestDecoder, which decodes what the recorder asks for. */
class ClientInventoryRecorderTest {
    private final HandlerFixture fixture = HandlerFixture.oneCluster();
    private final EmbeddedChannel client = HandlerFixture.clientChannel();

    @AfterEach
    void releaseAll() {
        Object m;
        while ((m = client.readInbound()) != null) {
            ((RequestFrame) m).release();
        }
        client.finishAndReleaseAll();
    }

    private void pipeline() {
        ClientSession session = fixture.session(client);
        ClientInventoryRecorder recorder = new ClientInventoryRecorder(session);
        client.pipeline().addLast(new RequestDecoder(session, recorder)).addLast(recorder);
    }

    @Test
    void theTopicsAClientWritesAndItsGroupAreRecordedAndEveryRequestPassesOn() {
        pipeline();
        ProduceRequestData produce = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000);
        produce.topicData().add(new ProduceRequestData.TopicProduceData().setName("orders"));
        client.writeInbound(request(produce, (short) 9, 1, "billing-1"));
        client.writeInbound(request(new JoinGroupRequestData().setGroupId("billing").setProtocolType("consumer"), (short) 9, 2, "billing-1"));

        assertEquals(Set.of("billing-1"), fixture.inventory.touching(Set.of("orders")));
        assertEquals(Set.of(), fixture.inventory.touching(Set.of("payments")));
        Set<String> members = fixture.inventory.membersOf(Set.of("billing"));
        assertEquals(1, members.size(), members.toString());
        assertEquals("billing-1@", members.iterator().next().substring(0, "billing-1@".length()), "client.id and address");
        RequestFrame first = client.readInbound();
        assertEquals(1, first.correlationId);
        first.release();
        RequestFrame second = client.readInbound();
        assertEquals(2, second.correlationId);
        second.release();
        assertSame(null, client.readInbound());
    }

    @Test
    void aTransactionalProducerThatNeverInitialisesHereIsKnownByItsTransactionsEnd() {
        // A proxy restarted under a transactional producer: the producer keeps its producer id, so no InitProducerId comes.
        pipeline();
        ProduceRequestData produce = new ProduceRequestData().setTransactionalId("payments-tx").setAcks((short) -1).setTimeoutMs(30_000);
        produce.topicData().add(new ProduceRequestData.TopicProduceData().setName("payments"));
        client.writeInbound(request(produce, (short) 9, 1, "payments-app"));
        assertEquals(List.of(Set.of()), transactionalIdsOf("payments-app"), "a Produce alone is not decoded for its id");

        client.writeInbound(request(new EndTxnRequestData().setTransactionalId("payments-tx").setProducerId(7).setProducerEpoch((short) 0)
            .setCommitted(true), (short) 3, 2, "payments-app"));

        assertEquals(List.of(Set.of("payments-tx")), transactionalIdsOf("payments-app"));
        assertEquals(Set.of("payments-app"), fixture.inventory.touching(Set.of("payments")), "and it wrote the wave's topic");
    }

    private List<Set<String>> transactionalIdsOf(String clientId) {
        return fixture.inventory.snapshot().stream().filter(c -> c.clientId().equals(clientId)).map(c -> c.transactionalIds()).toList();
    }
}
