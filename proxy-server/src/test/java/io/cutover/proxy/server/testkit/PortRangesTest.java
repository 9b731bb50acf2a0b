package io.cutover.proxy.server.testkit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Port ranges that two test JVMs on one machine never both hand out. */
class PortRangesTest {
    /** Enough ranges to go round every block at least once. */
    private static final int ALL_THE_WAY_ROUND = 200;

    /** Another test JVM: claims one range, says which, and holds its block until it is killed. */
    public static final class OtherJvm {
        public static void main(String[] args) throws InterruptedException {
            System.out.println("range " + PortRanges.next());
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    @Test
    void rangesAreFixedPortsBelowTheEphemeralRangeAndNeverOverlap() {
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            int first = PortRanges.next();
            assertTrue(first >= 1024 && first + PortRanges.RANGE <= 32768, "range at " + first);
            for (int p = first; p < first + PortRanges.RANGE; p++) {
                assertTrue(ports.add(p), "port " + p + " handed out twice");
            }
        }
    }

    @Test
    void aBlockAnotherJvmHoldsIsNeverHandedOutUntilThatJvmEnds() {
        ChildJvm other = ChildJvm.start(OtherJvm.class.getName(), List.of(), Map.of(), "64m");
        int theirs;
        try {
            theirs = Integer.parseInt(other.awaitLine(l -> l.startsWith("range "), Duration.ofSeconds(30)).substring(6));
            for (int i = 0; i < ALL_THE_WAY_ROUND; i++) {
                int first = PortRanges.next();
                assertFalse(sameBlock(first, theirs), "handed out " + first + ", in the block of the other JVM's " + theirs);
            }
        } finally {
            other.kill();
        }
        boolean reclaimed = false;
        for (int i = 0; i < ALL_THE_WAY_ROUND && !reclaimed; i++) {
            reclaimed = sameBlock(PortRanges.next(), theirs);
        }
        assertTrue(reclaimed, "the block of " + theirs + " is free again once the JVM that held it is gone");
    }

    @Test
    void aRangeWithAPortInUseIsPassedOver() throws IOException {
        int first = PortRanges.next();
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), first + PortRanges.RANGE + 7));
            int after = PortRanges.next();
            int port = taken.getLocalPort();
            assertFalse(port >= after && port < after + PortRanges.RANGE, "handed out " + after + " with " + port + " in use");
        }
    }

    private static boolean sameBlock(int a, int b) {
        return (a - PortRanges.FIRST_PORT) / PortRanges.BLOCK == (b - PortRanges.FIRST_PORT) / PortRanges.BLOCK;
    }
}
