package io.cutover.proxy.server.net;

import static io.cutover.proxy.server.net.HandlerFixture.requestFrame;
import static io.cutover.proxy.server.net.HandlerFixture.response;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.capture.Capture;
import io.cutover.proxy.core.capture.CaptureFilter;
import io.cutover.proxy.core.capture.CaptureSpec;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CaptureHandler: a running capture gets the client's requests and their responses; the pipeline gets them unchanged. */
class CaptureHandlerTest {
    private static final short METADATA_V12 = 12;

    @TempDir
    Path captureDir;

    private HandlerFixture fixture;
    private final EmbeddedChannel client = HandlerFixture.clientChannel();
    private CaptureHandler handler;

    private void connect() {
        fixture = HandlerFixture.withCaptures(captureDir);
        handler = new CaptureHandler(fixture.session(client));
        client.pipeline().addLast(handler);
    }

    @AfterEach
    void releaseAll() {
        client.finishAndReleaseAll();
        if (fixture != null) {
            fixture.captures.close();
        }
    }

    private Capture start(CaptureFilter filter) {
        return fixture.captures.start(new CaptureSpec("c1", filter, 1 << 20, Duration.ofMinutes(5)));
    }

    private static long framesWrittenWhenStopped(Capture capture) throws InterruptedException {
        capture.stop("test over");
        assertTrue(capture.awaitFinished(10, TimeUnit.SECONDS), "the capture file was closed");
        return capture.framesWritten();
    }

    private static RequestFrame metadataFor(String topic, int correlationId) {
        return requestFrame(new MetadataRequestData().setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName(topic))),
            METADATA_V12, correlationId);
    }

    /**
     * Passes {@code request} through the handler, checks it went on, and releases it as the
     * forwarder would. Returns its bytes: a capture that took them holds its own reference until
     * they are written.
     */
    private ByteBuf passThrough(RequestFrame request) {
        ByteBuf bytes = request.frame();
        client.writeInbound(request);
        assertSame(request, client.readInbound(), "the request goes on");
        assertSame(bytes, request.frame(), "unchanged");
        request.release();
        return bytes;
    }

    @Test
    void withNoCaptureRunningRequestsPassAndNeedNoDecoding() {
        connect();
        assertFalse(handler.needsBody(ApiKeys.METADATA, METADATA_V12));
        ByteBuf bytes = passThrough(metadataFor("orders", 1));
        assertEquals(0, bytes.refCnt(), "nothing else holds the request");
    }

    @Test
    void aRunningCaptureWritesTheRequestAndItsResponse() throws Exception {
        connect();
        Capture capture = start(CaptureFilter.ALL);
        assertFalse(handler.needsBody(ApiKeys.METADATA, METADATA_V12), "no topic filter: no need to decode");

        ByteBuf request = passThrough(metadataFor("orders", 5));
        ByteBuf answer = response(ApiKeys.METADATA, METADATA_V12, 5, new MetadataResponseData());
        client.writeOutbound(answer);
        ByteBuf sent = client.readOutbound();
        assertSame(answer, sent, "the response goes to the client unchanged");
        sent.release();

        assertEquals(2, framesWrittenWhenStopped(capture));
        assertTrue(Files.size(capture.file()) > 0);
        assertEquals(0, request.refCnt(), "the capture released its reference once written");
        assertEquals(0, answer.refCnt());
    }

    @Test
    void aResponseToARequestNotCapturedIsNotCaptured() throws Exception {
        connect();
        Capture capture = start(CaptureFilter.ALL);
        ByteBuf answer = response(ApiKeys.METADATA, METADATA_V12, 9, new MetadataResponseData());
        client.writeOutbound(answer);
        ((ByteBuf) client.readOutbound()).release();
        assertEquals(0, framesWrittenWhenStopped(capture));
    }

    @Test
    void aTopicFilterCapturesOnlyRequestsNamingItsTopics() throws Exception {
        connect();
        Capture capture = start(new CaptureFilter(Set.of(), null, Set.of("orders")));
        assertTrue(handler.needsBody(ApiKeys.METADATA, METADATA_V12), "the filter needs the topics named");

        RequestFrame payments = metadataFor("payments", 1);
        payments.body();
        assertEquals(0, passThrough(payments).refCnt(), "not taken");
        RequestFrame orders = metadataFor("orders", 2);
        orders.body();
        ByteBuf taken = passThrough(orders);

        assertEquals(1, framesWrittenWhenStopped(capture));
        assertEquals(0, taken.refCnt());
    }
}
