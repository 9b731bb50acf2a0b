package io.cutover.proxy.server.testkit;

import io.cutover.proxy.core.codec.MessageCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * Speaks the Kafka protocol over a plain socket, one frame at a time. For tests that need exact
 * control over what goes on the wire: pipelining, chosen versions, malformed bytes.
 */
public final class RawKafkaClient implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int nextCorrelationId = 1;

    private RawKafkaClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    public static RawKafkaClient connect(String hostPort) {
        return connectFrom(null, hostPort);
    }

    /** Connects from a given local address (another 127.x.y.z stands for another host on loopback). */
    public static RawKafkaClient connectFrom(String localAddress, String hostPort) {
        return connect(localAddress, hostPort, 0);
    }

    /**
     * Connects with a receive buffer of {@code receiveBufferBytes}, set before the connection opens so
     * that the kernel keeps it small: a client that then does not read leaves what it is sent in the
     * proxy rather than in its own socket.
     */
    public static RawKafkaClient connectWithReceiveBuffer(String hostPort, int receiveBufferBytes) {
        return connect(null, hostPort, receiveBufferBytes);
    }

    private static RawKafkaClient connect(String localAddress, String hostPort, int receiveBufferBytes) {
        int colon = hostPort.lastIndexOf(':');
        try {
            Socket s = new Socket();
            if (receiveBufferBytes > 0) {
                s.setReceiveBufferSize(receiveBufferBytes);
            }
            if (localAddress != null) {
                s.bind(new InetSocketAddress(localAddress, 0));
            }
            s.connect(new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))), 10_000);
            s.setSoTimeout(30_000);
            s.setTcpNoDelay(true);
            return new RawKafkaClient(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Connects over TLS, trusting what {@code tls} trusts; the handshake is done when this returns. */
    public static RawKafkaClient connectTls(String hostPort, javax.net.ssl.SSLContext tls) {
        int colon = hostPort.lastIndexOf(':');
        try {
            javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket(hostPort.substring(0, colon),
                Integer.parseInt(hostPort.substring(colon + 1)));
            s.setSoTimeout(30_000);
            s.setTcpNoDelay(true);
            s.startHandshake();
            return new RawKafkaClient(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Connects over TLS asking for {@code serverName} (SNI), or for none when null (as a client that
     * connects by address does); the handshake is done when this returns.
     */
    public static RawKafkaClient connectTls(String hostPort, javax.net.ssl.SSLContext tls, String serverName) {
        int colon = hostPort.lastIndexOf(':');
        try {
            javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket(hostPort.substring(0, colon),
                Integer.parseInt(hostPort.substring(colon + 1)));
            javax.net.ssl.SSLParameters params = s.getSSLParameters();
            params.setServerNames(serverName == null ? List.of() : List.of(new javax.net.ssl.SNIHostName(serverName)));
            s.setSSLParameters(params);
            s.setSoTimeout(30_000);
            s.setTcpNoDelay(true);
            s.startHandshake();
            return new RawKafkaClient(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The certificate the server presented on a TLS connection. */
    public java.security.cert.X509Certificate peerCertificate() {
        try {
            return (java.security.cert.X509Certificate) ((javax.net.ssl.SSLSocket) socket).getSession().getPeerCertificates()[0];
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Encodes and sends a request; returns its correlation id. */
    public int send(ApiKeys api, short version, ApiMessage body) {
        return send(api, version, body, "raw-test-client");
    }

    public int send(ApiKeys api, short version, ApiMessage body, String clientId) {
        int correlationId = nextCorrelationId++;
        RequestHeaderData header = new RequestHeaderData()
            .setRequestApiKey(api.id).setRequestApiVersion(version).setCorrelationId(correlationId).setClientId(clientId);
        ByteBuf frame = MessageCodec.encodeRequest(UnpooledByteBufAllocator.DEFAULT, header, body);
        try {
            byte[] bytes = new byte[frame.readableBytes()];
            frame.readBytes(bytes);
            sendBytes(bytes);
        } finally {
            frame.release();
        }
        return correlationId;
    }

    public void sendBytes(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one response frame, size prefix included. */
    public byte[] readFrame() {
        try {
            int size = in.readInt();
            byte[] frame = new byte[4 + size];
            frame[0] = (byte) (size >>> 24);
            frame[1] = (byte) (size >>> 16);
            frame[2] = (byte) (size >>> 8);
            frame[3] = (byte) size;
            in.readFully(frame, 4, size);
            return frame;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads one response frame {@code chunkBytes} at a time with a pause between chunks, as a client
     * on a slow link would, size prefix included.
     */
    public byte[] readFrameSlowly(int chunkBytes, Duration pause) {
        try {
            int size = in.readInt();
            byte[] frame = new byte[4 + size];
            java.nio.ByteBuffer.wrap(frame).putInt(size);
            for (int at = 4; at < frame.length; ) {
                int n = in.read(frame, at, Math.min(chunkBytes, frame.length - at));
                if (n < 0) {
                    throw new EOFException("closed after " + (at - 4) + " of " + size + " bytes");
                }
                at += n;
                Thread.sleep(pause.toMillis()); // the slow link itself, not a wait for anything
            }
            return frame;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Reads one response and decodes it as the answer to {@code api} at {@code version}. */
    public Response receive(ApiKeys api, short version) {
        return decode(readFrame(), api, version, api.responseHeaderVersion(version));
    }

    public static Response decode(byte[] frame, ApiKeys api, short version, short headerVersion) {
        ByteBuf buf = Unpooled.wrappedBuffer(frame);
        try {
            int correlationId = buf.getInt(4);
            return new Response(correlationId, MessageCodec.decodeResponse(buf, api, version, headerVersion));
        } finally {
            buf.release();
        }
    }

    /** True when the peer closes the connection within the socket timeout (reading only EOF). */
    public boolean closedByPeer() {
        try {
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (EOFException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // connection reset
        }
    }

    public void setTimeoutMillis(int millis) {
        try {
            socket.setSoTimeout(millis);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a test socket
        }
    }

    /** A decoded response and the correlation id it carried. */
    public record Response(int correlationId, ApiMessage body) {
        @SuppressWarnings("unchecked")
        public <T extends ApiMessage> T as(Class<T> type) {
            return (T) body;
        }
    }
}
