package io.cutover.proxy.core.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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

class AtomicFilesTest {

    /** A body that says who wrote it and how long it is, so a torn or mixed file shows. */
    private static String body(int writer, int round) {
        String head = "writer=" + writer + " round=" + round + " ";
        return head + "x".repeat(20_000 + writer * 1_000) + " end";
    }

    private static boolean complete(String s) {
        if (!s.startsWith("writer=") || !s.endsWith(" end")) {
            return false;
        }
        String[] parts = s.split(" ", 3);
        int writer = Integer.parseInt(parts[0].substring("writer=".length()));
        int round = Integer.parseInt(parts[1].substring("round=".length()));
        return s.equals(body(writer, round));
    }

    @Test
    void concurrentWritesOfOneFileEachInstallACompleteFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("clients.json");
        int writers = 6;
        int rounds = 60;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        try {
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int r = 0; r < rounds; r++) {
                        AtomicFiles.write(file, body(writer, r).getBytes(StandardCharsets.UTF_8));
                        String now = Files.readString(file);
                        assertTrue(complete(now), "a reader sees a complete file, not " + now.substring(0, Math.min(40, now.length())));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS); // rethrows a failed write or a torn read
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(complete(Files.readString(file)), "the last write left a complete file");
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(file), left.toList(), "no temp file is left behind");
        }
    }

    @Test
    void anOwnerOnlyFileIsReadWriteForItsOwnerOnly(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("secret");
        AtomicFiles.writeOwnerOnly(file, "s3cret\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("s3cret\n", Files.readString(file));
        AtomicFiles.writeOwnerOnly(file, "again\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), "a rewrite keeps them");
    }
}
