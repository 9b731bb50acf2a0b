package io.cutover.proxy.core.node;

/** Binds a proxy listener for a broker port; implemented by the server, which owns the sockets. */
@FunctionalInterface
public interface PortBinder {
    /** @return true when the port is now listening, false when it could not be bound. */
    boolean bind(int port, VirtualNode node);

    PortBinder NONE = (port, node) -> true;
}
