package io.cutover.proxy.server.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The demo's stdout is the proxy's own: starting a broker prints nothing there (Kafka's storage
 * formatter writes "Formatting ..." and "Bootstrap metadata ..." to stdout), while other threads
 * still print through.
 */
class EmbeddedKafkaClusterOutputTest {

    @Test
    void startingABrokerPrintsNothingToStdout() throws Exception {
        PrintStream real = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.start("quiet", 1, Map.of())) {
            assertFalse(cluster.bootstrapServers().isEmpty());
        } finally {
            System.setOut(real);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertFalse(out.contains("Bootstrap metadata"), out);
        assertFalse(out.contains("Formatting"), out);
    }

    @Test
    void onlyTheDivertedThreadIsDiverted() throws Exception {
        PrintStream real = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        List<String> diverted = new ArrayList<>();
        try (ThreadOutputDiversion d = ThreadOutputDiversion.of("kit-", diverted::add)) {
            System.out.println("from the formatter");
            System.out.print("two\nlines\n");
            Thread other = new Thread(() -> System.out.println("from another thread"), "other");
            Thread kit = new Thread(() -> System.out.println("from a kit thread"), "kit-1");
            other.start();
            other.join();
            kit.start();
            kit.join();
        } finally {
            System.setOut(real);
        }
        assertEquals(List.of("from the formatter", "two", "lines", "from a kit thread"), diverted);
        String out = captured.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("from another thread"), out);
        assertFalse(out.contains("formatter"), out);
    }
}
