package io.cutover.proxy.server.net;

import static io.cutover.proxy.server.net.HandlerFixture.readResponse;
import static io.cutover.proxy.server.net.HandlerFixture.requestFrame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.metrics.ProxyError;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** ControlPlaneResponder over a real ResponseQueue, with the control plane's answers canned. */
class ControlPlaneResponderTest {
    private static final short METADATA_V12 = 12;
    private static final short FIND_COORDINATOR_V3 = 3;

    private final HandlerFixture fixture = HandlerFixture.oneCluster();
    private final EmbeddedChannel client = HandlerFixture.clientChannel();
    private final ClientSession session = fixture.session(client);
    private final ResponseQueue responses = new ResponseQueue(session, new ReadGate(client, 0));
    private final ControlPlaneResponder responder = new ControlPlaneResponder(session, responses);
    /** The requests the control plane was asked, as it saw them. */
    private final List<ApiMessage> asked = new ArrayList<>();

    ControlPlaneResponderTest() {
        client.pipeline().addLast(responder);
    }

    @AfterEach
    void releaseAll() {
        responses.releaseAll();
        client.finishAndReleaseAll();
    }

    private void answerWith(ApiMessage answer) {
        fixture.controlPlane = (api, version, request, routes) -> {
            asked.add(request);
            return CompletableFuture.completedFuture(answer);
        };
    }

    @Test
    void metadataIsAnsweredByTheProxyAndNotForwarded() {
        answerWith(new MetadataResponseData().setClusterId("virtual-cluster")
            .setTopics(new MetadataResponseData.MetadataResponseTopicCollection(List.of(
                new MetadataResponseData.MetadataResponseTopic().setName("orders")).iterator())));
        RequestFrame request = requestFrame(new MetadataRequestData().setTopics(List.of(
            new MetadataRequestData.MetadataRequestTopic().setName("orders"))), METADATA_V12, 41);
        ByteBuf bytes = request.frame();

        client.writeInbound(request);
        client.runPendingTasks();

        assertNull(client.readInbound(), "an answered request goes no further");
        assertEquals(0, bytes.refCnt(), "the request was released");
        assertEquals("orders", ((MetadataRequestData) asked.get(0)).topics().get(0).name(), "the control plane saw the decoded request");
        ByteBuf sent = client.readOutbound();
        try {
            assertEquals(41, sent.getInt(sent.readerIndex() + 4), "correlation id");
        } finally {
            sent.release();
        }
        assertEquals(0, responses.size());
    }

    @Test
    void anErrorInTheAnswerReachesTheClientAsItsErrorCode() {
        answerWith(new FindCoordinatorResponseData().setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code())
            .setNodeId(-1).setHost("").setPort(-1));
        client.writeInbound(requestFrame(new FindCoordinatorRequestData().setKey("group-1").setKeyType((byte) 0),
            FIND_COORDINATOR_V3, 7));
        client.runPendingTasks();

        FindCoordinatorResponseData answer = readResponse(client, ApiKeys.FIND_COORDINATOR, FIND_COORDINATOR_V3,
            FindCoordinatorResponseData.class);
        assertEquals(Errors.COORDINATOR_NOT_AVAILABLE.code(), answer.errorCode());
        assertTrue(client.isOpen());
    }

    @Test
    void noClusterAnsweringClosesTheConnectionAsUnreachable() {
        fixture.controlPlane = (api, version, request, routes) ->
            CompletableFuture.failedFuture(new IllegalStateException("no cluster answered in time"));
        client.writeInbound(requestFrame(new MetadataRequestData(), METADATA_V12, 5));
        client.runPendingTasks();

        assertFalse(client.isOpen());
        assertEquals(1, fixture.proxyErrors(ProxyError.UPSTREAM_UNREACHABLE));
        assertNull(client.readOutbound(), "no answer was sent");
    }

    @Test
    void otherRequestsPassOnUndecoded() {
        RequestFrame produce = requestFrame(new ProduceRequestData().setAcks((short) 1), (short) 9, 3);

        client.writeInbound(produce);

        assertSame(produce, client.readInbound());
        assertFalse(produce.isDecoded());
        assertTrue(asked.isEmpty());
        produce.release();
    }

    @Test
    void onlyTheControlPlaneApisNeedTheirBody() {
        assertTrue(responder.needsBody(ApiKeys.METADATA, METADATA_V12));
        assertTrue(responder.needsBody(ApiKeys.FIND_COORDINATOR, FIND_COORDINATOR_V3));
        assertTrue(responder.needsBody(ApiKeys.API_VERSIONS, (short) 3));
        assertTrue(responder.needsBody(ApiKeys.DESCRIBE_CLUSTER, (short) 0));
        assertFalse(responder.needsBody(ApiKeys.PRODUCE, (short) 9));
        assertFalse(responder.needsBody(ApiKeys.FETCH, (short) 13));
    }
}
