package io.cutover.proxy.core.rewrite;

import io.cutover.proxy.core.node.VirtualNode;
import java.util.Collection;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.ToIntFunction;

/**
 * The node endpoints of KIP-951 leader hints made the proxy's. Produce, Fetch, ShareFetch and
 * ShareAcknowledge responses each carry their own generated NodeEndpoint class, alike field for
 * field but of no common type, so each rewriter describes its class once in a {@link Shape}.
 */
final class NodeEndpoints {
    private NodeEndpoints() {
    }

    /** Builds one endpoint of the generated class. */
    @FunctionalInterface
    interface Builder<E> {
        E endpoint(int nodeId, String host, int port, String rack);
    }

    /** How to read, build and collect one response's NodeEndpoint class. */
    record Shape<E, C extends Collection<E>>(IntFunction<C> collection, ToIntFunction<E> nodeId, Function<E, String> host,
                                             ToIntFunction<E> port, Function<E, String> rack, Builder<E> builder) {
    }

    /**
     * The endpoints as the proxy's virtual nodes, in a new collection (node id is the collection's
     * key, so keys are not changed in place); null when there are none, so the response is left as
     * it is.
     */
    static <E, C extends Collection<E>> C translate(C upstream, Shape<E, C> shape, NodeMapper nodes) {
        if (upstream.isEmpty()) {
            return null;
        }
        C out = shape.collection().apply(upstream.size());
        for (E e : upstream) {
            String rack = shape.rack().apply(e);
            VirtualNode node = nodes.map(shape.nodeId().applyAsInt(e), shape.host().apply(e), shape.port().applyAsInt(e), rack);
            out.add(shape.builder().endpoint(node.id(), nodes.advertised().host(node), nodes.advertised().port(node), rack));
        }
        return out;
    }
}
