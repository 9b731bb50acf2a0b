package io.cutover.proxy.server.wave;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Where the instances of a fleet post and read what a coordinated switch needs: the switching
 * instance's fence (raised, released, aborted) and each other instance's acknowledgement. Each
 * instance writes only its own entries, so posting needs no compare-and-set. The fleet's state
 * topic is the board ({@code fleet.StateFenceBoard}); the log orders every post, so an instance
 * reads the flipped route table before the release that follows it.
 */
public interface FenceBoard {
    String FENCE = "fence/";
    String ACK = "fence-ack/";

    /** This instance's id. */
    String self();

    /** Posts {@code body} under {@code entry} (this instance's own). */
    void post(String entry, ObjectNode body);

    /** The latest post under {@code entry}, or null. */
    JsonNode read(String entry);

    /** Every latest post under an entry starting with {@code prefix}, by entry. */
    Map<String, JsonNode> readAll(String prefix);

    /** Called, on one thread, for each post under an entry starting with {@code prefix}, this instance's own included. */
    void onPost(String prefix, BiConsumer<String, JsonNode> listener);

    /** The other instances heard from within their lease, by id, with the epoch millisecond of their last heartbeat. */
    Map<String, Long> live();

    /** The other instances not heard from within their lease (cut off or gone without a clean stop), likewise. */
    Map<String, Long> silent();

    /**
     * How long after its last heartbeat was written an instance may still route a switching wave's
     * writes: an instance whose heartbeats have not reached the board for this long holds them
     * itself. Instances heard from within it must acknowledge a fence.
     */
    Duration lease();

    /**
     * When a switch may flip without an instance last heard from at {@code lastHeartbeatMs}: its
     * lease, plus a margin for a heartbeat that reached the board but not yet this reader, and for
     * clock skew.
     */
    long leaseEndsAt(long lastHeartbeatMs);
}
