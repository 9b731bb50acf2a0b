package io.cutover.proxy.server.replay;

import io.cutover.proxy.core.codec.MessageCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ResponseHeader;

/** One blocking Kafka connection: frames out, frames in. The replay tool's only socket code. */
final class KafkaWire implements AutoCloseable {
    private static final int MAX_RESPONSE_BYTES = 512 * 1024 * 1024;

    private final Socket socket;
    private final DataOutputStream out;
    private final DataInputStream in;
    private final String address;

    /** Over a socket {@code dialer} opened (TLS and login done, if the cluster asks for them). */
    KafkaWire(InetSocketAddress address, int connectTimeoutMillis, Dialer dialer) throws IOException {
        this.address = address.getHostString() + ":" + address.getPort();
        this.socket = dialer.dial(address, connectTimeoutMillis);
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
    }

    String address() {
        return address;
    }

    /** Encodes and writes one request; returns its size in bytes. Flushes only when asked. */
    int write(RequestHeaderData header, ApiMessage body, boolean flush) throws IOException {
        ByteBuf frame = MessageCodec.encodeRequest(UnpooledByteBufAllocator.DEFAULT, header, body);
        try {
            int n = frame.readableBytes();
            frame.readBytes(out, n);
            if (flush) {
                out.flush();
            }
            return n;
        } finally {
            frame.release();
        }
    }

    void flush() throws IOException {
        out.flush();
    }

    /** Reads one response frame (without its size prefix). */
    ByteBuffer read() throws IOException {
        int size = in.readInt();
        if (size < 4 || size > MAX_RESPONSE_BYTES) {
            throw new IOException(address + " sent a response frame of " + size + " bytes");
        }
        byte[] b = new byte[size];
        in.readFully(b);
        return ByteBuffer.wrap(b);
    }

    /** A request and its response, for the replay tool's own control requests. */
    <T extends AbstractResponse> T call(ApiKeys api, short version, ApiMessage body, int correlationId, Class<T> type) throws IOException {
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(api.id).setRequestApiVersion(version)
            .setCorrelationId(correlationId).setClientId("cutover-replay");
        write(header, body, true);
        ByteBuffer response = read();
        ResponseHeader.parse(response, api.responseHeaderVersion(version));
        return type.cast(AbstractResponse.parseResponse(api, new org.apache.kafka.common.protocol.ByteBufferAccessor(response), version));
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing; nothing to do
        }
    }
}
