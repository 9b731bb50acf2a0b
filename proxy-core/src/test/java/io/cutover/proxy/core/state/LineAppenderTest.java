package io.cutover.proxy.core.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cutover.proxy.core.testing.SmallDisk;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineAppenderTest {
    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aTornTailACrashLeftIsCutBeforeTheNextLine() throws Exception {
        Path file = dir.resolve("j.jsonl");
        Files.writeString(file, "{\"a\":1}\n{\"b\":");
        try (LineAppender a = LineAppender.open(file)) {
            a.append(bytes("{\"c\":3}\n"), true);
        }
        assertEquals("{\"a\":1}\n{\"c\":3}\n", Files.readString(file));
    }

    @Test
    void aFileWithoutAnyCompleteLineStartsEmpty() throws Exception {
        Path file = dir.resolve("j.jsonl");
        Files.writeString(file, "x".repeat(20_000));
        try (LineAppender a = LineAppender.open(file)) {
            a.append(bytes("y\n"), false);
        }
        assertEquals("y\n", Files.readString(file));
    }

    @Test
    void aLineMustEndWithANewline() throws Exception {
        try (LineAppender a = LineAppender.open(dir.resolve("j.jsonl"))) {
            assertThrows(IllegalArgumentException.class, () -> a.append(bytes("no end"), false));
        }
    }

    @Test
    void aLineAFullDiskTookPartOfIsCutAwayAndTheNextFollowsTheLastWholeOne() throws Exception {
        Assumptions.assumeTrue(SmallDisk.available(), () -> "needs a tmpfs mount: " + SmallDisk.unavailableBecause());
        try (SmallDisk disk = SmallDisk.mount(1 << 20)) {
            Path file = disk.dir().resolve("j.jsonl");
            try (LineAppender a = LineAppender.open(file)) {
                a.append(bytes("first\n"), true);
                disk.fill();
                // Longer than a block: the disk takes what fits in the file's last block, then refuses the rest.
                byte[] big = bytes("b".repeat(10_000) + "\n");
                assertThrows(IOException.class, () -> a.append(big, true));
                assertEquals("first\n", Files.readString(file), "the part the disk took is cut away");
                disk.free();
                a.append(bytes("second\n"), true);
            }
            assertArrayEquals(bytes("first\nsecond\n"), Files.readAllBytes(file));
        }
    }
}
