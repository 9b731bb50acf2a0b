package io.cutover.proxy.server.net;

import io.cutover.proxy.server.metrics.ProxyError;
import io.cutover.proxy.server.config.IdentityMode;
import io.cutover.proxy.server.security.ClusterSecurity;
import io.cutover.proxy.server.security.ListenerSasl;
import io.cutover.proxy.server.security.UpstreamIdentity;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.authenticator.SaslInternalConfigs;

/**
 * Logs a client in to the proxy (listener.sasl) before anything it sends goes further: it may ask
 * ApiVersions, then SaslHandshake (v1) names a mechanism and SaslAuthenticate carries its tokens,
 * answered here and never forwarded. The login also settles whom the connection to the cluster
 * authenticates as (see UpstreamIdentity): a principal that identity mode mapped has no user for is
 * refused here, and in modes mapped and passthrough the answer waits for the cluster to accept the
 * client's own user. Any
 * other request before the login succeeds closes the connection, as a broker does; so does a failed
 * login, after its error answer, with one log line that never carries the secret. The connection
 * to a broker opens only after the login (see ConnectionPair#awaitLogin).
 *
 * <p>With a session lifetime (KIP-368), the login's answer tells the client how long it holds; the
 * client logs in again on the same connection before then (as the same user), and a connection
 * that sends a request past its session's end without having done so is closed.
 */
final class ClientSaslAuthenticator extends ChannelInboundHandlerAdapter implements BodyNeed {
    private enum State { HANDSHAKE, AUTHENTICATE, AWAITING_CLUSTER, AUTHENTICATED, REAUTHENTICATE }

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
    private final ClusterSecurity cluster;
    private final long lifetimeNanos;
    private State state = State.HANDSHAKE;
    private SaslServer server;
    private ChannelHandlerContext ctx;
    private String user;
    private long expiresAtNanos;
    /** The login request waiting for the cluster's verdict (identity mode passthrough). */
    private RequestFrame held;

    ClientSaslAuthenticator(ClientSession session, ResponseReceiver responses, ListenerSasl sasl) {
        this.session = session;
        this.responses = responses;
        this.sasl = sasl;
        this.cluster = session.proxy().config().clusters().get(session.cluster()).security();
        this.lifetimeNanos = sasl.sessionLifetime().toNanos();
    }

    @Override
    public boolean needsBody(ApiKeys api, short version) {
        return api == ApiKeys.SASL_HANDSHAKE || api == ApiKeys.SASL_AUTHENTICATE;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        RequestFrame request = (RequestFrame) msg;
        boolean sasl = request.api == ApiKeys.SASL_HANDSHAKE || request.api == ApiKeys.SASL_AUTHENTICATE;
        if (state == State.AUTHENTICATED || state == State.REAUTHENTICATE) {
            if (sasl) {
                reauthenticate(request);
                return;
            }
            if (lifetimeNanos > 0 && state == State.AUTHENTICATED && System.nanoTime() - expiresAtNanos > 0) {
                request.release();
                session.fail(ProxyError.AUTHENTICATION_FAILED, "the session of " + user + " ended (listener.sasl.session-lifetime) and the "
                    + "client did not log in again (KIP-368)");
                return;
            }
            ctx.fireChannelRead(request);
            return;
        }
        switch (request.api) {
            case API_VERSIONS -> ctx.fireChannelRead(request);
            case SASL_HANDSHAKE -> handshake(request, State.HANDSHAKE);
            case SASL_AUTHENTICATE -> authenticate(request);
            default -> {
                request.release();
                session.fail(ProxyError.UNAUTHENTICATED_REQUEST, request.api.name + " before logging in: listener.sasl is on, so a "
                    + "client must authenticate first (security.protocol SASL_PLAINTEXT or SASL_SSL)");
            }
        }
    }

    /** KIP-368: a logged-in client logs in again, on the same connection, before its session ends. */
    private void reauthenticate(RequestFrame request) {
        if (lifetimeNanos == 0) {
            request.release();
            session.fail(ProxyError.UNAUTHENTICATED_REQUEST, request.api.name + " after the login: sessions do not end here "
                + "(listener.sasl.session-lifetime is 0), so there is nothing to re-authenticate");
            return;
        }
        if (request.api == ApiKeys.SASL_HANDSHAKE) {
            handshake(request, State.AUTHENTICATED);
        } else {
            authenticate(request);
        }
    }

    private void handshake(RequestFrame request, State expected) {
        if (state != expected) {
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
            server = sasl.newServer(mechanism, cluster.identity() == IdentityMode.PASSTHROUGH && cluster.config().usesSasl());
        } catch (SaslException | RuntimeException e) {
            responses.answer(request, answer.setErrorCode(Errors.UNSUPPORTED_SASL_MECHANISM.code()));
            session.failAfterAnswers(ProxyError.AUTHENTICATION_FAILED, e.getMessage());
            return;
        }
        state = expected == State.HANDSHAKE ? State.AUTHENTICATE : State.REAUTHENTICATE;
        responses.answer(request, answer.setErrorCode(Errors.NONE.code()));
    }

    private void authenticate(RequestFrame request) {
        if (state != State.AUTHENTICATE && state != State.REAUTHENTICATE) {
            request.release();
            session.fail(ProxyError.AUTHENTICATION_FAILED, "SaslAuthenticate before SaslHandshake");
            return;
        }
        byte[] token = ((SaslAuthenticateRequestData) request.body()).authBytes();
        SaslAuthenticateResponseData answer = new SaslAuthenticateResponseData();
        byte[] challenge;
        try {
            challenge = server.evaluateResponse(token);
        } catch (SaslException | RuntimeException e) {
            // A mechanism's own parsing may throw any runtime exception on a hostile token: a refusal, never a leak.
            refuse(request, answer, e.getMessage() == null ? "Authentication failed" : e.getMessage());
            return;
        }
        if (!server.isComplete()) {
            responses.answer(request, answer.setErrorCode(Errors.NONE.code()).setAuthBytes(challenge == null ? new byte[0] : challenge));
            return;
        }
        String who = server.getAuthorizationID();
        if (state == State.REAUTHENTICATE && !who.equals(user)) {
            refuse(request, answer, "logged in again as " + who + ", not as " + user + " (a connection keeps its user)");
            return;
        }
        if (state == State.REAUTHENTICATE) {
            if (!UpstreamIdentity.sameSecretAgain(session.upstreamCredentials(), server)) {
                refuse(request, answer, "logged in again as " + who + " with another password than the one cluster " + cluster.cluster()
                    + " accepted (identity mode passthrough)");
                return;
            }
            answerLogin(request, answer, challenge);
            dispose();
            state = State.AUTHENTICATED;
            session.reauthenticated(who);
            return;
        }
        UpstreamIdentity identity = UpstreamIdentity.of(cluster, who, server);
        if (identity instanceof UpstreamIdentity.Refused refused) {
            refuse(request, answer, refused.reason(), "Authentication failed: " + refused.reason());
            return;
        }
        if (identity instanceof UpstreamIdentity.As as) {
            awaitCluster(request, answer, challenge, who, as);
            return;
        }
        answerLogin(request, answer, challenge);
        loggedIn(who, true);
    }

    private void answerLogin(RequestFrame request, SaslAuthenticateResponseData answer, byte[] challenge) {
        long lifetimeMs = sessionMs();
        // The session is counted from before the answer leaves, so it never ends later than the client was told.
        expiresAtNanos = System.nanoTime() + lifetimeMs * 1_000_000;
        responses.answer(request, answer.setErrorCode(Errors.NONE.code()).setAuthBytes(challenge == null ? new byte[0] : challenge)
            .setSessionLifetimeMs(lifetimeMs));
    }

    /** The login holds; {@code openUpstream} unless the connection to the cluster is already open (mapped, passthrough). */
    private void loggedIn(String who, boolean openUpstream) {
        boolean oldLibrdkafka = ListenerSasl.oldLibrdkafkaNonce(server);
        dispose();
        user = who;
        state = State.AUTHENTICATED;
        session.authenticated(who, oldLibrdkafka);
        if (openUpstream) {
            ctx.fireUserEventTriggered(LOGGED_IN);
        }
    }

    /**
     * Identity modes mapped and passthrough: the connection to the cluster opens now, as the
     * client's own user, and the client's login is answered as the cluster answers: logged in, or
     * refused (in passthrough with the broker's own message, since the client's own secret was
     * refused; in mapped naming the mapping, since the client's password was right). Nothing else is
     * read from the client meanwhile, as a client waits for this answer.
     */
    private void awaitCluster(RequestFrame request, SaslAuthenticateResponseData answer, byte[] challenge, String who, UpstreamIdentity.As as) {
        session.upstreamCredentials(as.credentials());
        String mechanism = server.getMechanismName();
        // The SASL server is kept until the verdict: the answer's session lifetime is read from it (a token's expiry).
        held = request;
        state = State.AWAITING_CLUSTER;
        session.awaitClusterVerdict(refused -> {
            RequestFrame login = held;
            held = null;
            if (login == null || session.isClosed()) {
                // The client left while the cluster was deciding; handlerRemoved released what was held.
                return;
            }
            if (refused == null) {
                answerLogin(login, answer, challenge);
                loggedIn(who, false);
                return;
            }
            if (refused.brokerRefusal() == null) {
                // Not a verdict on the credentials (no answer in time, a broken exchange): closed unanswered, the client retries.
                login.release();
                dispose();
                session.fail(ProxyError.UPSTREAM_FAILURE, "cluster " + cluster.cluster() + " could not check the " + mechanism + " login of "
                    + who + " (identity mode " + as.mode().configName() + "): " + refused.getMessage());
                return;
            }
            String toClient = as.mode() == IdentityMode.PASSTHROUGH ? refused.brokerRefusal() : "Authentication failed: cluster "
                + cluster.cluster() + " refused the user identity.mapping-file names for principal " + who + " (identity mode mapped)";
            responses.answer(login, answer.setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code()).setErrorMessage(toClient)
                .setAuthBytes(new byte[0]));
            session.failAfterAnswers(ProxyError.AUTHENTICATION_FAILED, mechanism + " login of " + who + " refused by cluster "
                + cluster.cluster() + " (identity mode " + as.mode().configName() + "): " + refused.getMessage());
            dispose();
        });
        ctx.fireUserEventTriggered(LOGGED_IN);
    }

    /**
     * The session given to a client that just logged in: listener.sasl.session-lifetime, but never
     * past the expiry of a bearer token (as a broker does), so an expired token cannot be used on.
     */
    private long sessionMs() {
        long configured = lifetimeNanos / 1_000_000;
        if (configured == 0 || !(server.getNegotiatedProperty(SaslInternalConfigs.CREDENTIAL_LIFETIME_MS_SASL_NEGOTIATED_PROPERTY_KEY) instanceof Long expiresAt)) {
            return configured;
        }
        return Math.max(0, Math.min(configured, expiresAt - System.currentTimeMillis()));
    }

    private void refuse(RequestFrame request, SaslAuthenticateResponseData answer, String why) {
        refuse(request, answer, why, "Authentication failed during authentication due to invalid credentials with SASL mechanism "
            + server.getMechanismName());
    }

    private void refuse(RequestFrame request, SaslAuthenticateResponseData answer, String why, String toClient) {
        String mechanism = server.getMechanismName();
        responses.answer(request, answer.setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code()).setErrorMessage(toClient)
            .setAuthBytes(new byte[0]));
        session.failAfterAnswers(ProxyError.AUTHENTICATION_FAILED, mechanism + " login refused: " + why);
        dispose();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // The client left while its login waited for the cluster.
        if (held != null) {
            held.release();
            held = null;
        }
        if (server != null) {
            dispose();
        }
    }

    private void dispose() {
        if (server == null) {
            return;
        }
        try {
            server.dispose();
        } catch (SaslException e) {
            // nothing held that matters: the server is dropped either way
        }
        server = null;
    }
}
