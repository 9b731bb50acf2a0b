package io.cutover.proxy.server.net;

import io.cutover.proxy.server.metrics.ProxyError;
import io.cutover.proxy.server.security.ListenerSasl;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Logs a client in to the proxy (listener.sasl) before anything it sends goes further: it may ask
 * ApiVersions, then SaslHandshake (v1) names a mechanism and SaslAuthenticate carries its tokens,
 * answered here and never forwarded (the proxy reaches each cluster with its own credentials). Any
 * other request before the login succeeds closes the connection, as a broker does; so does a failed
 * login, after its error answer, with one log line naming the user, never the secret. Sessions do
 * not expire (session lifetime 0), so a client never re-authenticates and a second handshake is
 * refused. The connection to a broker opens only after the login (see ConnectionPair#awaitLogin).
 */
final class ClientSaslAuthenticator extends ChannelInboundHandlerAdapter implements BodyNeed {
    private enum State { HANDSHAKE, AUTHENTICATE, AUTHENTICATED }

    /** Fired down the pipeline once the client has logged in: the upstream side opens then. */
    static final Object LOGGED_IN = new Object() {
        @Override
        public String toString() {
            return "LOGGED_IN";
        }
    };

    private final ClientSession session;
    private final ResponseReceiver responses;
    private final ListenerSasl sasl;
    private State state = State.HANDSHAKE;
    private SaslServer server;
    private ChannelHandlerContext ctx;

    ClientSaslAuthenticator(ClientSession session, ResponseReceiver responses, ListenerSasl sasl) {
        this.session = session;
        this.responses = responses;
        this.sasl = sasl;
    }

    @Override
    public boolean needsBody(ApiKeys api, short version) {
        return state != State.AUTHENTICATED && (api == ApiKeys.SASL_HANDSHAKE || api == ApiKeys.SASL_AUTHENTICATE);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        RequestFrame request = (RequestFrame) msg;
        if (state == State.AUTHENTICATED) {
            if (request.api == ApiKeys.SASL_HANDSHAKE || request.api == ApiKeys.SASL_AUTHENTICATE) {
                request.release();
                session.fail(ProxyError.UNAUTHENTICATED_REQUEST, request.api.name + " after the login: sessions do not expire here, "
                    + "so there is nothing to re-authenticate");
                return;
            }
            ctx.fireChannelRead(request);
            return;
        }
        switch (request.api) {
            case API_VERSIONS -> ctx.fireChannelRead(request);
            case SASL_HANDSHAKE -> handshake(request);
            case SASL_AUTHENTICATE -> authenticate(request);
            default -> {
                request.release();
                session.fail(ProxyError.UNAUTHENTICATED_REQUEST, request.api.name + " before logging in: listener.sasl is on, so a "
                    + "client must authenticate first (security.protocol SASL_PLAINTEXT or SASL_SSL)");
            }
        }
    }

    private void handshake(RequestFrame request) {
        if (state != State.HANDSHAKE) {
            request.release();
            session.fail(ProxyError.AUTHENTICATION_FAILED, "a second SaslHandshake before SaslAuthenticate");
            return;
        }
        String mechanism = ((SaslHandshakeRequestData) request.body()).mechanism();
        SaslHandshakeResponseData answer = new SaslHandshakeResponseData().setMechanisms(sasl.mechanisms());
        if (request.apiVersion < 1) {
            // v0 carries the tokens as raw frames after it; Kafka clients since 1.0 use v1 with SaslAuthenticate.
            responses.answer(request, answer.setErrorCode(Errors.UNSUPPORTED_VERSION.code()));
            session.failAfterAnswers(ProxyError.AUTHENTICATION_FAILED, "SaslHandshake v0 (tokens without SaslAuthenticate) is not served");
            return;
        }
        if (!sasl.mechanisms().contains(mechanism)) {
            responses.answer(request, answer.setErrorCode(Errors.UNSUPPORTED_SASL_MECHANISM.code()));
            session.failAfterAnswers(ProxyError.AUTHENTICATION_FAILED, "SASL mechanism " + mechanism + " is not offered here "
                + sasl.mechanisms());
            return;
        }
        try {
            server = sasl.newServer(mechanism);
        } catch (SaslException e) {
            responses.answer(request, answer.setErrorCode(Errors.UNSUPPORTED_SASL_MECHANISM.code()));
            session.failAfterAnswers(ProxyError.AUTHENTICATION_FAILED, e.getMessage());
            return;
        }
        state = State.AUTHENTICATE;
        responses.answer(request, answer.setErrorCode(Errors.NONE.code()));
    }

    private void authenticate(RequestFrame request) {
        if (state != State.AUTHENTICATE) {
            request.release();
            session.fail(ProxyError.AUTHENTICATION_FAILED, "SaslAuthenticate before SaslHandshake");
            return;
        }
        byte[] token = ((SaslAuthenticateRequestData) request.body()).authBytes();
        SaslAuthenticateResponseData answer = new SaslAuthenticateResponseData().setSessionLifetimeMs(0);
        byte[] challenge;
        try {
            challenge = server.evaluateResponse(token);
        } catch (SaslException | SaslAuthenticationException e) {
            String why = e.getMessage() == null ? "Authentication failed" : e.getMessage();
            responses.answer(request, answer.setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code())
                .setErrorMessage("Authentication failed during authentication due to invalid credentials with SASL mechanism "
                    + server.getMechanismName()).setAuthBytes(new byte[0]));
            session.failAfterAnswers(ProxyError.AUTHENTICATION_FAILED, server.getMechanismName() + " login refused: " + why);
            dispose();
            return;
        }
        responses.answer(request, answer.setErrorCode(Errors.NONE.code()).setAuthBytes(challenge == null ? new byte[0] : challenge));
        if (server.isComplete()) {
            session.authenticated(server.getAuthorizationID());
            state = State.AUTHENTICATED;
            dispose();
            ctx.fireUserEventTriggered(LOGGED_IN);
        }
    }

    private void dispose() {
        try {
            server.dispose();
        } catch (SaslException e) {
            // nothing held that matters: the server is dropped either way
        }
        server = null;
    }
}
