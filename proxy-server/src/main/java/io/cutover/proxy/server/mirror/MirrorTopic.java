package io.cutover.proxy.server.mirror;

/**
 * One of MirrorMaker 2's internal topics and the cluster that holds it. Which cluster depends on the
 * topic and on {@code offset-syncs.topic.location}, so callers are told rather than left to guess.
 */
public record MirrorTopic(String name, String clusterAlias, String bootstrapServers) {
}
