package io.cutover.proxy.core.node;

import java.util.function.IntSupplier;

/**
 * Where clients are told a virtual node is: the host and port that Metadata, FindCoordinator,
 * DescribeCluster and KIP-951 leader hints carry. Either one host with a port per broker, or (SNI)
 * one name per broker on the one port clients bootstrap from.
 */
public interface AdvertisedAddresses {
    String host(VirtualNode node);

    int port(VirtualNode node);

    /** listener.advertised-host, each node at the proxy port the registry gave it. */
    static AdvertisedAddresses portPerBroker(String host) {
        return new PortPerBroker(host);
    }

    /**
     * listener.tls.sni: each node under its own name, made from {@code pattern}, all on one port.
     * {@code port} is read when an answer is written: with listener.bootstrap-port 0 it is known
     * only once the listener is bound, which is before any client can ask.
     */
    static AdvertisedAddresses byServerName(BrokerHostPattern pattern, IntSupplier port) {
        return new ByServerName(pattern, port);
    }

    /** One host, one port per broker. */
    record PortPerBroker(String host) implements AdvertisedAddresses {
        @Override
        public String host(VirtualNode node) {
            return host;
        }

        @Override
        public int port(VirtualNode node) {
            return node.port();
        }
    }

    /** One name per broker, one port for all. */
    record ByServerName(BrokerHostPattern pattern, IntSupplier port) implements AdvertisedAddresses {
        @Override
        public String host(VirtualNode node) {
            return pattern.hostFor(node.id());
        }

        @Override
        public int port(VirtualNode node) {
            return port.getAsInt();
        }
    }
}
