package io.cutover.proxy.core.rewrite;

import io.cutover.proxy.core.virtual.TopicIds;

/**
 * What a rewriter knows about the connection a message travels on: the upstream cluster, its node
 * mapper, where error codes are counted, and whether identities (topic ids, leader epochs) are
 * virtualised. One per connection; rewriting allocates none.
 */
public record RewriteContext(String cluster, NodeMapper nodes, ErrorCounter errors, TopicIds topicIds, boolean virtualize) {

    /** A context for one cluster that does not virtualise identities. */
    public static RewriteContext plain(String cluster, NodeMapper nodes, ErrorCounter errors) {
        return new RewriteContext(cluster, nodes, errors, new TopicIds(), false);
    }
}
