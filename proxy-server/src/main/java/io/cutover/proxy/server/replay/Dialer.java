package io.cutover.proxy.server.replay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * Opens one of the replay's connections: TCP, and whatever the cluster asks for before Kafka
 * requests flow (TLS, a SASL login as some user). The replay then speaks plain Kafka frames on it.
 */
@FunctionalInterface
public interface Dialer {
    /** Plain TCP, as the command line's replay connects. */
    Dialer PLAINTEXT = (address, connectTimeoutMillis) -> {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            // Configured addresses may be unresolved; the socket needs them resolved.
            socket.connect(address.isUnresolved() ? new InetSocketAddress(address.getHostString(), address.getPort()) : address,
                connectTimeoutMillis);
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    };

    /** A connected socket to {@code address}, ready for Kafka requests. */
    Socket dial(InetSocketAddress address, int connectTimeoutMillis) throws IOException;
}
