package io.cutover.proxy.server.net;

import java.net.InetSocketAddress;
import java.util.List;

/** Where a client connection's upstream goes: any bootstrap server, or one specific broker. */
interface UpstreamTarget {
    String cluster();

    /** Addresses to try, in order; empty when none is known. */
    List<InetSocketAddress> addresses();

    /** For log lines: "bootstrap of source", "broker 2 of source". */
    String describe();

    /** The virtual node id a broker listener stands for; -1 for the bootstrap listener. */
    default int virtualNodeId() {
        return -1;
    }
}
