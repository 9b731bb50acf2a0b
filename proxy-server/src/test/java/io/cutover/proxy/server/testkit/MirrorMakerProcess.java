package io.cutover.proxy.server.testkit;

import io.cutover.proxy.server.embedded.EmbeddedMirrorMaker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * MirrorMaker 2 as a separate process, as teams run it: it competes with the proxy for CPU only as
 * another process does, and can be killed (SIGKILL) and started again. The child runs
 * {@link EmbeddedMirrorMaker} through this class's {@link #main}.
 */
public final class MirrorMakerProcess implements AutoCloseable {
    private static final String READY = "MIRROR-MAKER-READY offset-syncs=";
    private final List<String> args;
    private ChildJvm child;
    private String offsetSyncsTopic;

    private MirrorMakerProcess(List<String> args) {
        this.args = args;
    }

    /** Starts MM2 copying {@code topicsRegex} (and checkpointing every group) from source to target. */
    public static MirrorMakerProcess start(String sourceBootstrap, String targetBootstrap, String topicsRegex) {
        MirrorMakerProcess mm = new MirrorMakerProcess(List.of(sourceBootstrap, targetBootstrap, topicsRegex));
        mm.launch();
        return mm;
    }

    private void launch() {
        child = ChildJvm.start(MirrorMakerProcess.class.getName(), args, Map.of(), "384m");
        String line = child.awaitLine(l -> l.startsWith(READY), Duration.ofSeconds(90));
        offsetSyncsTopic = line.substring(READY.length()).trim();
    }

    /** The topic, on the source, where MM2 writes its offset syncs. */
    public String offsetSyncsTopic() {
        return offsetSyncsTopic;
    }

    /** SIGKILL, then start again with the same flow: MM2 resumes from its committed progress. */
    public void restart() {
        child.kill();
        launch();
    }

    public void kill() {
        child.kill();
    }

    @Override
    public void close() {
        if (child != null && child.alive()) {
            child.kill();
        }
    }

    /** The child: args are source bootstrap, target bootstrap, topics regex. */
    public static void main(String[] args) throws InterruptedException {
        EmbeddedMirrorMaker mm = EmbeddedMirrorMaker.start("source", args[0], "target", args[1], args[2], ".*", Map.of());
        System.out.println(READY + mm.offsetSyncsTopic().name());
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
