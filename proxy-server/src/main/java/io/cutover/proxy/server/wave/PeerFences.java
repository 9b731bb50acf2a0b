package io.cutover.proxy.server.wave;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.virtual.FirstSequences;
import io.cutover.proxy.core.wave.Wave;
import java.util.List;

/**
 * The other instances of a fleet as a switch sees them: each raises the fence the switching
 * instance stands behind, drains its own connections' writes and says so; after the flip each
 * releases. One instance alone has no peers ({@link #NONE}).
 */
public interface PeerFences {
    PeerFences NONE = (wave, from, to, ids, next, deadline) -> PeerFence.NONE;

    /** Asks every other instance to raise this wave's fence; returns at once. */
    PeerFence raise(Wave wave, String from, String to, WaveTransactionalIds transactionalIds, RouteTable next, long deadlineNanos);

    /** One fence raised over the fleet. */
    interface PeerFence {
        PeerFence NONE = new PeerFence() {
            @Override
            public String awaitHeld(long deadlineNanos) {
                return null;
            }

            @Override
            public void release(long routesVersion, List<FirstSequences.Expectation> firstSequences) {
            }

            @Override
            public void abort(String reason) {
            }

            @Override
            public void report(ObjectNode report) {
            }
        };

        /**
         * Waits until every live instance holds the wave's writes with its drain done, and every
         * silent instance's lease has run out; null then, or why not by {@code deadlineNanos}.
         */
        String awaitHeld(long deadlineNanos);

        /**
         * The flip is written at {@code routesVersion}: every instance releases once it routes by it,
         * holding the producers' {@code firstSequences} on the cluster joined as this instance does.
         */
        void release(long routesVersion, List<FirstSequences.Expectation> firstSequences);

        /** The switch aborted: every instance releases, and the held requests go where they were going. */
        void abort(String reason);

        /** Adds the fleet's part to the switch report: which instances held, how long they took. */
        void report(ObjectNode report);
    }
}
