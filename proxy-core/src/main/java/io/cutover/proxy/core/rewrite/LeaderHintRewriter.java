package io.cutover.proxy.core.rewrite;

import java.util.Collection;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.ObjIntConsumer;
import java.util.function.ToIntFunction;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * The one walk of the responses that carry KIP-951 leader hints (Produce, Fetch, ShareFetch,
 * ShareAcknowledge): every error code is counted, each partition's node ids become virtual and the
 * node endpoints the proxy's. Their generated classes are alike but share no types, so each API
 * describes where its fields are once ({@link LeaderHintRewriters}). A response with no hint is
 * left as bytes.
 *
 * @param <R> the response
 * @param <T> its topic
 * @param <P> its partition
 * @param <E> its node endpoint
 * @param <C> its node endpoint collection
 */
final class LeaderHintRewriter<R extends ApiMessage, T, P, E, C extends Collection<E>> implements ResponseRewriter<R> {
    private final ToIntFunction<R> errorCode;
    private final Partitions<R, T, P> partitions;
    private final Endpoints<R, E, C> endpoints;

    LeaderHintRewriter(ToIntFunction<R> errorCode, Partitions<R, T, P> partitions, Endpoints<R, E, C> endpoints) {
        this.errorCode = errorCode;
        this.partitions = partitions;
        this.endpoints = endpoints;
    }

    /** A node id a partition carries (current leader, preferred read replica); negative means none. */
    record NodeIdField<P>(ToIntFunction<P> get, ObjIntConsumer<P> set) {
    }

    /** Where a response keeps its partitions, their error codes and their node ids. */
    record Partitions<R, T, P>(Function<R, ? extends Iterable<T>> topics, Function<T, ? extends Iterable<P>> ofTopic, ToIntFunction<P> errorCode,
                               List<NodeIdField<P>> nodeIds) {
    }

    /** Where a response keeps its node endpoints, and what they look like. */
    record Endpoints<R, E, C extends Collection<E>>(Function<R, C> get, BiConsumer<R, C> set, NodeEndpoints.Shape<E, C> shape) {
    }

    @Override
    public boolean rewrite(R response, short version, RewriteContext ctx) {
        NodeMapper nodes = ctx.nodes();
        ErrorCounter errors = ctx.errors();
        count(errors, errorCode.applyAsInt(response));
        boolean changed = false;
        List<NodeIdField<P>> fields = partitions.nodeIds();
        for (T topic : partitions.topics().apply(response)) {
            for (P p : partitions.ofTopic().apply(topic)) {
                count(errors, partitions.errorCode().applyAsInt(p));
                for (int i = 0; i < fields.size(); i++) {
                    changed |= translate(fields.get(i), p, nodes);
                }
            }
        }
        C translated = NodeEndpoints.translate(endpoints.get().apply(response), endpoints.shape(), nodes);
        if (translated != null) {
            endpoints.set().accept(response, translated);
            changed = true;
        }
        return changed;
    }

    private static <P> boolean translate(NodeIdField<P> field, P partition, NodeMapper nodes) {
        int id = field.get().applyAsInt(partition);
        if (id < 0) {
            return false;
        }
        field.set().accept(partition, nodes.virtualId(id));
        return true;
    }

    private static void count(ErrorCounter errors, int errorCode) {
        if (errorCode != 0) {
            errors.count((short) errorCode);
        }
    }
}
