package io.cutover.proxy.server.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.server.config.SaslCredentials;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The upstream SASL exchange against a scripted broker: what it sends, what it holds back, how it fails. */
class SaslAuthenticatorTest {
    private static final String PASSWORD = "proxy-secret";
    private final List<Object> reachedProxy = new ArrayList<>();
    private final List<Throwable> failures = new ArrayList<>();
    private EmbeddedChannel ch;

    @AfterEach
    void close() {
        if (ch != null) {
            ch.finishAndReleaseAll();
        }
        reachedProxy.forEach(io.netty.util.ReferenceCountUtil::release);
    }

    private static SaslCredentials credentials(String mechanism) throws Exception {
        // Secret's constructor is private to the config package, where secrets come from config files.
        Constructor<io.cutover.proxy.server.config.Secret> c = io.cutover.proxy.server.config.Secret.class
            .getDeclaredConstructor(String.class, String.class);
        c.setAccessible(true);
        return new SaslCredentials(mechanism, "proxy", c.newInstance(PASSWORD, "test"));
    }

    /** A channel whose pipeline is the authenticator, then a stand-in for the proxy's own handlers. */
    private void open(String mechanism, Duration timeout) throws Exception {
        ch = new EmbeddedChannel();
        ch.pipeline().addLast("upstream-sasl", new SaslAuthenticator("source", credentials(mechanism), false, timeout));
        ch.pipeline().addLast("proxy", new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                reachedProxy.add(msg);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                failures.add(cause);
            }
        });
    }

    private record Sent(RequestHeaderData header, ApiMessage body) {
    }

    private Sent nextRequest(ApiKeys api) {
        ByteBuf frame = ch.readOutbound();
        assertNotNull(frame, "the authenticator sent " + api.name + " (failures: " + failures + ")");
        try {
            RequestHeaderData h = MessageCodec.decodeRequestHeader(frame);
            assertEquals(api.id, h.requestApiKey());
            return new Sent(h, MessageCodec.decodeRequest(frame, api, h.requestApiVersion()));
        } finally {
            frame.release();
        }
    }

    private void answer(Sent request, ApiMessage response) {
        ApiKeys api = ApiKeys.forId(request.header().requestApiKey());
        ch.writeInbound(MessageCodec.encodeResponse(ch.alloc(), request.header().correlationId(), api,
            request.header().requestApiVersion(), response));
    }

    private static ByteBuf clientFrame(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return Unpooled.buffer().writeInt(b.length).writeBytes(b);
    }

    @Test
    void plainHoldsTheProxysWritesUntilAuthenticatedThenSendsThemInOrderAndSteppsAside() throws Exception {
        open("PLAIN", Duration.ofSeconds(10));
        ChannelFuture first = ch.write(clientFrame("first"));
        ChannelFuture second = ch.writeAndFlush(clientFrame("second"));

        Sent handshake = nextRequest(ApiKeys.SASL_HANDSHAKE);
        assertEquals("PLAIN", ((SaslHandshakeRequestData) handshake.body()).mechanism());
        assertTrue(handshake.header().correlationId() < 0, "its correlation ids are not a client's");
        assertNull(ch.readOutbound(), "the proxy's writes wait for authentication");
        answer(handshake, new SaslHandshakeResponseData().setMechanisms(List.of("PLAIN", "SCRAM-SHA-512")));

        Sent auth = nextRequest(ApiKeys.SASL_AUTHENTICATE);
        assertArrayEquals(("\0proxy\0" + PASSWORD).getBytes(StandardCharsets.UTF_8),
            ((SaslAuthenticateRequestData) auth.body()).authBytes());
        assertNull(ch.readOutbound());
        answer(auth, new SaslAuthenticateResponseData().setAuthBytes(new byte[0]));

        assertTrue(reachedProxy.isEmpty(), "the exchange's responses never reach the proxy's handlers");
        for (String expected : List.of("first", "second")) {
            ByteBuf out = ch.readOutbound();
            assertEquals(expected, out.toString(4, out.readableBytes() - 4, StandardCharsets.UTF_8));
            out.release();
        }
        assertTrue(first.isSuccess() && second.isSuccess());
        assertNull(ch.pipeline().get("upstream-sasl"), "the authenticator left the pipeline");

        ch.writeInbound(clientFrame("a response"));
        assertEquals(1, reachedProxy.size(), "later responses go straight to the proxy");
        assertTrue(failures.isEmpty());
    }

    @Test
    void aRefusalFailsTheChannelWithWhoAndWhyButNeverThePassword() throws Exception {
        open("PLAIN", Duration.ofSeconds(10));
        ChannelFuture held = ch.writeAndFlush(clientFrame("request"));
        Sent handshake = nextRequest(ApiKeys.SASL_HANDSHAKE);
        answer(handshake, new SaslHandshakeResponseData().setMechanisms(List.of("PLAIN")));
        Sent auth = nextRequest(ApiKeys.SASL_AUTHENTICATE);
        answer(auth, new SaslAuthenticateResponseData().setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code())
            .setErrorMessage("Authentication failed: Invalid username or password"));

        assertEquals(1, failures.size());
        UpstreamAuthenticationException e = assertInstanceOf(UpstreamAuthenticationException.class, failures.get(0));
        for (String part : List.of("cluster source", "proxy", "PLAIN", "SASL_AUTHENTICATION_FAILED", "Invalid username or password")) {
            assertTrue(e.getMessage().contains(part), e.getMessage() + " says " + part);
        }
        assertFalse(e.getMessage().contains(PASSWORD));
        assertFalse(held.isSuccess(), "held writes fail");
        assertFalse(ch.isOpen(), "the channel is closed");
        assertTrue(reachedProxy.isEmpty());
    }

    @Test
    void aMechanismTheBrokerLacksIsNamedWithTheOnesItHas() throws Exception {
        open("SCRAM-SHA-512", Duration.ofSeconds(10));
        Sent handshake = nextRequest(ApiKeys.SASL_HANDSHAKE);
        answer(handshake, new SaslHandshakeResponseData().setErrorCode(Errors.UNSUPPORTED_SASL_MECHANISM.code())
            .setMechanisms(List.of("PLAIN")));
        assertEquals(1, failures.size());
        assertTrue(failures.get(0).getMessage().contains("does not enable SCRAM-SHA-512; it enables [PLAIN]"), failures.get(0).getMessage());
        assertFalse(ch.isOpen());
    }

    @Test
    void scramSendsAClientFirstMessageAndABrokerThatNeverAnswersTimesOut() throws Exception {
        open("SCRAM-SHA-256", Duration.ofSeconds(3));
        Sent handshake = nextRequest(ApiKeys.SASL_HANDSHAKE);
        answer(handshake, new SaslHandshakeResponseData().setMechanisms(List.of("SCRAM-SHA-256")));
        Sent auth = nextRequest(ApiKeys.SASL_AUTHENTICATE);
        String clientFirst = new String(((SaslAuthenticateRequestData) auth.body()).authBytes(), StandardCharsets.UTF_8);
        assertTrue(clientFirst.startsWith("n,,n=proxy,r="), clientFirst);
        assertTrue(failures.isEmpty());

        ch.advanceTimeBy(3, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertEquals(1, failures.size());
        assertTrue(failures.get(0).getMessage().contains("no answer within PT3S"), failures.get(0).getMessage());
        assertFalse(ch.isOpen());
    }

    @Test
    void aResponseThatIsNoSaslAnswerFailsAtOnce() throws Exception {
        open("PLAIN", Duration.ofSeconds(10));
        nextRequest(ApiKeys.SASL_HANDSHAKE);
        ch.writeInbound(Unpooled.buffer().writeInt(0x15030300)); // a TLS alert where a Kafka frame should be
        assertEquals(1, failures.size());
        assertTrue(failures.get(0).getMessage().contains("is security.protocol right"), failures.get(0).getMessage());
    }

    @Test
    void heldBytesCountAgainstWritabilitySoTheClientIsPaused() throws Exception {
        open("PLAIN", Duration.ofSeconds(10));
        nextRequest(ApiKeys.SASL_HANDSHAKE);
        assertTrue(ch.isWritable());
        ch.writeAndFlush(Unpooled.buffer().writeZero(ch.config().getWriteBufferHighWaterMark() + 1));
        assertFalse(ch.isWritable(), "held bytes make the channel unwritable, which pauses the client's reads");
    }
}
