package io.cutover.proxy.core.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** clients.json saved from several threads at once (the timer and shutdown): every save succeeds and the last one stays, whole. */
class ClientInventorySaveTest {

    @Test
    void concurrentSavesLeaveACompleteFileWithTheLatestClients(@TempDir Path stateDir) throws Exception {
        ClientInventory inventory = new ClientInventory(10_000, Duration.ofDays(1), Clock.systemUTC(), stateDir);
        for (int i = 0; i < 500; i++) {
            inventory.connected("client-" + i, "10.0.0." + (i % 250), "source");
        }
        int savers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(savers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        try {
            for (int s = 0; s < savers; s++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int r = 0; r < 15; r++) {
                        inventory.save();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS); // a save that failed (its temp file renamed away by another) rethrows here
            }
        } finally {
            pool.shutdownNow();
        }
        inventory.connected("the-last-one", "10.0.0.1", "source");
        inventory.save();
        ClientInventory reloaded = new ClientInventory(10_000, Duration.ofDays(1), Clock.systemUTC(), stateDir);
        assertEquals(501, reloaded.size(), "the file holds every client of the last save");
        try (Stream<Path> files = Files.list(stateDir)) {
            assertEquals(List.of(stateDir.resolve(ClientInventory.FILE_NAME)), files.toList(), "no temp file is left behind");
        }
    }
}
