package io.cutover.proxy.core.capture;

import java.util.Arrays;

/** A TCP connection's addresses and ports, oriented client first. */
final class FlowKey {
    private final byte[] clientAddress;
    private final int clientPort;
    private final byte[] serverAddress;
    private final int serverPort;
    private final int hash;

    FlowKey(byte[] clientAddress, int clientPort, byte[] serverAddress, int serverPort) {
        this.clientAddress = clientAddress;
        this.clientPort = clientPort;
        this.serverAddress = serverAddress;
        this.serverPort = serverPort;
        this.hash = 31 * (31 * (31 * Arrays.hashCode(clientAddress) + clientPort) + Arrays.hashCode(serverAddress)) + serverPort;
    }

    static FlowKey of(TcpSegment s, boolean fromClient) {
        return fromClient
            ? new FlowKey(s.sourceAddress(), s.sourcePort(), s.destinationAddress(), s.destinationPort())
            : new FlowKey(s.destinationAddress(), s.destinationPort(), s.sourceAddress(), s.sourcePort());
    }

    byte[] clientAddress() {
        return clientAddress;
    }

    int clientPort() {
        return clientPort;
    }

    byte[] serverAddress() {
        return serverAddress;
    }

    int serverPort() {
        return serverPort;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FlowKey k && k.clientPort == clientPort && k.serverPort == serverPort
            && Arrays.equals(k.clientAddress, clientAddress) && Arrays.equals(k.serverAddress, serverAddress);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
