package io.cutover.proxy.server.security;

import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.server.config.SaslCredentials;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslProvider;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.security.sasl.AuthenticationException;
import javax.security.sasl.SaslClient;
import javax.security.sasl.SaslException;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * Blocking sockets to one cluster's brokers, secured as the cluster's {@code security} says: the
 * same TLS trust, client certificate and hostname verification as the proxy's own connections, then
 * the SASL exchange, as the service user or as a client's own user. For the replay tool's sockets
 * (wave rehearsals), which are plain {@link Socket}s rather than Netty channels; the JDK's TLS
 * engine serves them, whatever {@code tls.engine} says, as it serves the Kafka clients the proxy runs.
 */
public final class ClusterSockets {
    private static final short HANDSHAKE_VERSION = 1;
    private static final short AUTHENTICATE_VERSION = 1;
    private static final int MAX_FRAME_BYTES = 1 << 20;

    private final ClusterSecurity security;
    private final SSLContext tls;

    private ClusterSockets(ClusterSecurity security, SSLContext tls) {
        this.security = security;
        this.tls = tls;
    }

    /** Reads the cluster's TLS material again, for the JDK's engine. */
    public static ClusterSockets of(ClusterSecurity security) throws GeneralSecurityException, IOException {
        if (!security.config().usesTls()) {
            return new ClusterSockets(security, null);
        }
        var c = security.config();
        JdkSslContext jdk = (JdkSslContext) SslContexts.client(new TlsEngine(SslProvider.JDK, "JDK (replay)"), c.trust(), c.key(),
            c.hostnameVerification());
        return new ClusterSockets(security, jdk.context());
    }

    public String cluster() {
        return security.cluster();
    }

    /** The cluster's security as configured: its identity mode and the principals' mapped users among it. */
    public ClusterSecurity security() {
        return security;
    }

    /** Whether connections authenticate (SASL_PLAINTEXT, SASL_SSL), so that whom they authenticate as matters. */
    public boolean authenticates() {
        return security.config().usesSasl();
    }

    /** The cluster's service credential; null without SASL. */
    public SaslCredentials service() {
        return security.config().sasl();
    }

    /**
     * A socket to {@code address}, TLS handshake done and authenticated as {@code as} (null: the
     * cluster's service credential) when the cluster asks for them.
     *
     * @throws AuthenticationException when the cluster refuses the user (its message names the
     *     cluster, mechanism and user, and the broker's reason; never the password)
     */
    public Socket open(InetSocketAddress address, int connectTimeoutMillis, SaslCredentials as) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(address.isUnresolved() ? new InetSocketAddress(address.getHostString(), address.getPort()) : address,
                connectTimeoutMillis);
            int handshakeMillis = (int) Math.min(Integer.MAX_VALUE, security.handshakeTimeout().toMillis());
            if (tls != null) {
                socket.setSoTimeout(handshakeMillis);
                SSLSocket secured = (SSLSocket) tls.getSocketFactory().createSocket(socket, address.getHostString(), address.getPort(),
                    true);
                socket = secured;
                SSLParameters p = secured.getSSLParameters();
                p.setProtocols(SslContexts.DEFAULT_PROTOCOLS.toArray(String[]::new));
                // Checked against the host dialled, as the proxy's own connections check it.
                p.setEndpointIdentificationAlgorithm(security.config().hostnameVerification() ? "HTTPS" : null);
                secured.setSSLParameters(p);
                secured.startHandshake();
            }
            if (security.config().usesSasl()) {
                socket.setSoTimeout(handshakeMillis);
                SaslCredentials credentials = as == null ? security.config().sasl() : as;
                authenticate(socket, address, credentials, as == null);
            }
            socket.setSoTimeout(0);
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private void authenticate(Socket socket, InetSocketAddress address, SaslCredentials credentials, boolean service)
        throws IOException {
        String who = "cluster " + security.cluster() + " did not authenticate " + (service ? "the proxy as " : "the client's user ")
            + credentials.username() + " with " + credentials.mechanism() + ": ";
        OutputStream out = socket.getOutputStream();
        DataInputStream in = new DataInputStream(socket.getInputStream());
        int correlationId = -1;
        SaslHandshakeResponseData handshake = (SaslHandshakeResponseData) call(out, in, ApiKeys.SASL_HANDSHAKE, HANDSHAKE_VERSION,
            new SaslHandshakeRequestData().setMechanism(credentials.mechanism()), correlationId--, who);
        Errors error = Errors.forCode(handshake.errorCode());
        if (error == Errors.UNSUPPORTED_SASL_MECHANISM) {
            throw new SaslException(who + "the broker does not enable " + credentials.mechanism() + "; it enables "
                + handshake.mechanisms());
        }
        if (error != Errors.NONE) {
            throw new SaslException(who + "the broker refused the SASL handshake with " + error.name());
        }
        SaslClient sasl = SaslClients.create(credentials, security.tokens(credentials), address.getHostString());
        try {
            byte[] token = sasl.hasInitialResponse() ? sasl.evaluateChallenge(new byte[0]) : new byte[0];
            while (true) {
                SaslAuthenticateResponseData answer = (SaslAuthenticateResponseData) call(out, in, ApiKeys.SASL_AUTHENTICATE,
                    AUTHENTICATE_VERSION, new SaslAuthenticateRequestData().setAuthBytes(token), correlationId--, who);
                error = Errors.forCode(answer.errorCode());
                if (error != Errors.NONE) {
                    String message = answer.errorMessage() == null ? error.message() : answer.errorMessage();
                    throw new AuthenticationException(who + error.name() + ": " + message);
                }
                if (sasl.isComplete()) {
                    return;
                }
                token = sasl.evaluateChallenge(answer.authBytes());
                if (sasl.isComplete() && (token == null || token.length == 0)) {
                    return;
                }
                token = token == null ? new byte[0] : token;
            }
        } finally {
            sasl.dispose();
        }
    }

    private static ApiMessage call(OutputStream out, DataInputStream in, ApiKeys api, short version, ApiMessage body, int correlationId,
                                   String who) throws IOException {
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(api.id).setRequestApiVersion(version)
            .setCorrelationId(correlationId).setClientId("cutover-replay");
        ByteBuf request = MessageCodec.encodeRequest(UnpooledByteBufAllocator.DEFAULT, header, body);
        try {
            request.readBytes(out, request.readableBytes());
            out.flush();
        } finally {
            request.release();
        }
        int size = in.readInt();
        if (size < 4 || size > MAX_FRAME_BYTES) {
            throw new SaslException(who + "the broker answered with a " + size + "-byte frame, which is no SASL response: is "
                + "security.protocol right for this listener?");
        }
        byte[] frame = new byte[4 + size];
        in.readFully(frame, 4, size);
        ByteBuf response = Unpooled.wrappedBuffer(frame);
        response.setInt(0, size);
        try {
            int answered = response.getInt(4);
            if (answered != correlationId) {
                throw new SaslException(who + "the broker answered correlation id " + answered + " while " + api.name + " "
                    + correlationId + " was outstanding");
            }
            return MessageCodec.decodeResponse(response, api, version);
        } finally {
            response.release();
        }
    }
}
