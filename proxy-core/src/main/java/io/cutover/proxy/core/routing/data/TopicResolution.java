package io.cutover.proxy.core.routing.data;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;

/**
 * Where a topic named by a Fetch or a Produce goes on a connection to one cluster. The client names
 * it by name (before v13) or by its virtual topic id (v13+); the id gives the name, the name gives
 * the cluster the client's routes send it to, and, when identities are virtualised, that cluster's
 * real topic id goes upstream in place of the virtual one.
 *
 * @param name   the topic's name; null when the client's topic id is unknown
 * @param realId the cluster's own topic id to send upstream in place of the client's; null to send
 *               the client's as it is (by name, or identities not virtualised)
 * @param error  {@code NONE} when the topic goes upstream on this connection; else what the client is
 *               answered for each of its partitions: {@code UNKNOWN_TOPIC_ID} for an id the proxy
 *               (or this cluster) does not know, {@code NOT_LEADER_OR_FOLLOWER} for a topic that
 *               routes to the other cluster now
 */
record TopicResolution(String name, Uuid realId, short error) {
    /** Fetch and Produce name topics by id from this version on. */
    static final short FIRST_TOPIC_ID_VERSION = 13;

    static boolean byId(short version) {
        return version >= FIRST_TOPIC_ID_VERSION;
    }

    /** Resolves the topic a request of {@code version} names as {@code name} / {@code topicId}. */
    static TopicResolution of(RequestScope scope, short version, String name, Uuid topicId) {
        boolean byId = byId(version);
        String resolved = byId ? scope.topicIds().nameOfVirtual(topicId) : name;
        if (resolved == null) {
            return new TopicResolution(null, null, Errors.UNKNOWN_TOPIC_ID.code());
        }
        if (scope.movedAway(resolved)) {
            return new TopicResolution(resolved, null, Errors.NOT_LEADER_OR_FOLLOWER.code());
        }
        if (!byId || !scope.virtualize()) {
            return new TopicResolution(resolved, null, Errors.NONE.code());
        }
        Uuid real = scope.topicIds().realOfVirtual(scope.cluster(), topicId);
        return new TopicResolution(resolved, real, real == null ? Errors.UNKNOWN_TOPIC_ID.code() : Errors.NONE.code());
    }

    /** True when the topic goes upstream on this connection. */
    boolean routed() {
        return error == Errors.NONE.code();
    }
}
