package io.cutover.proxy.server.wave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.virtual.FirstSequences;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The producers' first sequences as a release post carries them to the rest of a fleet. */
class PostedSequencesTest {
    private static final long DEADLINE = 1_800_000_000_000L;

    @Test
    void whatIsPostedIsReadBackAsItWas() throws Exception {
        List<FirstSequences.Expectation> sent = List.of(
            new FirstSequences.Expectation(4711L, "orders", 0, "target", (short) 3, 5460, DEADLINE),
            new FirstSequences.Expectation(4712L, "orders.eu", 11, "target", (short) 0, Integer.MAX_VALUE, DEADLINE));
        ObjectNode post = JsonNodeFactory.instance.objectNode();
        PostedSequences.write(post, sent);
        // Through the text the state topic holds.
        ObjectNode read = (ObjectNode) new ObjectMapper().readTree(post.toString());
        assertEquals(sent, PostedSequences.read(read));
    }

    @Test
    void nothingIsWrittenForNoneAndNothingReadFromAPostWithout() {
        ObjectNode post = JsonNodeFactory.instance.objectNode().put("phase", FenceRecord.RELEASE);
        PostedSequences.write(post, List.of());
        assertTrue(post.path("firstSequences").isMissingNode());
        assertEquals(List.of(), PostedSequences.read(post));
    }

    @Test
    void aMalformedEntryIsSkippedAndTheRestKept() throws Exception {
        ObjectNode post = (ObjectNode) new ObjectMapper().readTree("""
            {"firstSequences": {"cluster": "target", "deadlineEpochMs": 1800000000000,
              "producers": [[1, "orders", 0, 0, 9], ["x"], [2, 7, 0, 0, 9], 5, [3, "orders", 1, 0, 4]]}}
            """);
        List<FirstSequences.Expectation> read = PostedSequences.read(post);
        assertEquals(List.of(1L, 3L), read.stream().map(FirstSequences.Expectation::producerId).toList());
    }

    @Test
    void aPostStaysBoundedWhateverASwitchRead() {
        List<FirstSequences.Expectation> many = new ArrayList<>();
        for (int i = 0; i < PostedSequences.MAX + 100; i++) {
            many.add(new FirstSequences.Expectation(i, "orders-with-a-long-topic-name", i % 64, "target", (short) 0, 1_000_000, DEADLINE));
        }
        ObjectNode post = JsonNodeFactory.instance.objectNode();
        PostedSequences.write(post, many);
        assertEquals(PostedSequences.MAX, PostedSequences.read(post).size());
        assertTrue(post.toString().length() < 700_000, "far below the state topic's 1 MiB record: " + post.toString().length());
    }
}
