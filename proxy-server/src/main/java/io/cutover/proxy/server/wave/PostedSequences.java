package io.cutover.proxy.server.wave;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.virtual.FirstSequences;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producers' first sequences a switch read, as they travel in its release post to the rest of a
 * fleet. The read is made once, by the switching instance, after every instance held and drained
 * the wave's writes: an instance reading for itself earlier could see a sequence another one had
 * not finished writing, and later would lengthen the pause.
 *
 * <p>One array of {@code [producerId, topic, partition, epoch, lastSequence]} under the cluster
 * joined and one deadline, so a post stays far below the state topic's record size: at most
 * {@link #MAX} entries (about 40 bytes each); producers past it go unchecked on the other
 * instances, which the switching instance logs.
 */
final class PostedSequences {
    static final int MAX = 8_192;
    private static final Logger LOG = LoggerFactory.getLogger(PostedSequences.class);

    private PostedSequences() {
    }

    static void write(ObjectNode post, List<FirstSequences.Expectation> expectations) {
        if (expectations.isEmpty()) {
            return;
        }
        FirstSequences.Expectation first = expectations.get(0);
        ObjectNode out = post.putObject("firstSequences");
        out.put("cluster", first.cluster());
        out.put("deadlineEpochMs", first.deadlineMillis());
        ArrayNode producers = out.putArray("producers");
        int n = Math.min(MAX, expectations.size());
        for (int i = 0; i < n; i++) {
            FirstSequences.Expectation e = expectations.get(i);
            producers.addArray().add(e.producerId()).add(e.topic()).add(e.partition()).add(e.epoch()).add(e.lastSequence());
        }
        if (expectations.size() > n) {
            LOG.warn("fleet: {} of {} producers' first sequences not posted to the other instances (at most {}); their first batches "
                + "through another instance go unchecked", expectations.size() - n, expectations.size(), MAX);
        }
    }

    /** What a post carries, empty when nothing (an abort, a switch from a version that did not post them, a malformed entry). */
    static List<FirstSequences.Expectation> read(JsonNode post) {
        JsonNode in = post.path("firstSequences");
        JsonNode producers = in.path("producers");
        if (!producers.isArray() || !in.path("cluster").isTextual()) {
            return List.of();
        }
        String cluster = in.path("cluster").asText();
        long deadline = in.path("deadlineEpochMs").asLong();
        List<FirstSequences.Expectation> out = new ArrayList<>(producers.size());
        for (JsonNode p : producers) {
            if (!p.isArray() || p.size() != 5 || !p.get(0).canConvertToLong() || !p.get(1).isTextual() || !p.get(2).canConvertToInt()
                || !p.get(3).canConvertToInt() || !p.get(4).canConvertToInt()) {
                LOG.warn("fleet: a posted first sequence is malformed, skipped: {}", p);
                continue;
            }
            out.add(new FirstSequences.Expectation(p.get(0).asLong(), p.get(1).asText(), p.get(2).asInt(), cluster,
                (short) p.get(3).asInt(), p.get(4).asInt(), deadline));
        }
        return out;
    }
}
