package io.cutover.proxy.server.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Fixed port ranges for what a test starts on known ports (a proxy's bootstrap, broker and admin
 * ports, a Connect worker's REST port), safe when several test JVMs run at once on one machine:
 * other worktrees, other builds.
 *
 * <p>Ports {@value #FIRST_PORT} to {@value #END_PORT} (exclusive) lie below the ephemeral range, where
 * the brokers' own ports come from, and apart from the few fixed ports single tests pick above them.
 * They are cut into blocks of {@value #BLOCK} ports. A JVM claims a block by locking its file under
 * {@value #LOCK_DIR} ({@link FileChannel#tryLock}: the operating system drops the lock when the JVM
 * ends, however it ends), hands out ranges of {@value #RANGE} from it, and then claims the next free
 * block. It keeps the lock of the block before too, as a proxy started from it may still be running;
 * older ones it lets go, so that a long run does not hold every block. A range is handed out only
 * when each of its ports binds, since something other than a test JVM may hold one, or a proxy this
 * JVM started from a block since let go.
 */
public final class PortRanges {
    /** The ports of one range: first to first + 39. */
    public static final int RANGE = 40;
    static final int FIRST_PORT = 20_000;
    private static final int END_PORT = 27_000;
    static final int BLOCK = 10 * RANGE;
    private static final int BLOCKS = (END_PORT - FIRST_PORT) / BLOCK;
    private static final String LOCK_DIR = "/tmp/cutover-proxy-test-ports";
    /** Blocks whose locks this JVM holds, the current one last. */
    private static final int BLOCKS_HELD = 2;

    private static final Deque<Claim> HELD = new ArrayDeque<>();
    private static int next;
    private static int blockEnd;

    private PortRanges() {
    }

    private record Claim(int block, FileChannel channel) {
    }

    /** The first of {@value #RANGE} consecutive ports that no other test JVM will hand out, each free right now. */
    public static synchronized int next() {
        while (true) {
            if (HELD.isEmpty() || next + RANGE > blockEnd) {
                claimNextBlock();
            }
            int first = next;
            next += RANGE;
            if (allFree(first)) {
                return first;
            }
        }
    }

    private static void claimNextBlock() {
        // JVMs start their search at different blocks, so they rarely try the same lock.
        int from = HELD.isEmpty() ? (int) (ProcessHandle.current().pid() % BLOCKS) : HELD.peekLast().block() + 1;
        for (int i = 0; i < BLOCKS; i++) {
            int block = (from + i) % BLOCKS;
            if (held(block)) {
                continue;
            }
            FileChannel locked = tryLock(block);
            if (locked != null) {
                HELD.addLast(new Claim(block, locked));
                while (HELD.size() > BLOCKS_HELD) {
                    close(HELD.removeFirst().channel());
                }
                next = FIRST_PORT + block * BLOCK;
                blockEnd = next + BLOCK;
                return;
            }
        }
        throw new IllegalStateException("every block of test ports " + FIRST_PORT + "-" + (END_PORT - 1)
            + " is claimed by other test JVMs (locks in " + LOCK_DIR + ")");
    }

    private static boolean held(int block) {
        return HELD.stream().anyMatch(c -> c.block() == block);
    }

    /** The block's file, locked by this JVM until it lets go of the block or ends; null when another JVM holds it. */
    private static FileChannel tryLock(int block) {
        Path file = Path.of(LOCK_DIR, "ports-" + (FIRST_PORT + block * BLOCK) + ".lock");
        FileChannel channel = null;
        try {
            Files.createDirectories(file.getParent());
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return channel;
            }
            channel.close();
            return null;
        } catch (IOException e) {
            if (channel != null) {
                close(channel);
            }
            throw new UncheckedIOException("cannot claim test ports through " + file, e);
        }
    }

    private static void close(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the lock goes with the channel either way
        }
    }

    /** Each port of the range binds on every interface now, as the proxy's listeners bind (SO_REUSEADDR). */
    private static boolean allFree(int first) {
        for (int port = first; port < first + RANGE; port++) {
            try (ServerSocket probe = new ServerSocket()) {
                probe.setReuseAddress(true);
                probe.bind(new InetSocketAddress(port));
            } catch (IOException inUse) {
                return false;
            }
        }
        return true;
    }
}
