package io.cutover.proxy.server.embedded;

import io.cutover.proxy.server.mirror.MirrorTopic;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.utils.KafkaThread;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.connect.mirror.MirrorMaker;
import org.apache.kafka.connect.mirror.MirrorMakerConfig;
import org.apache.kafka.connect.mirror.SourceAndTarget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MirrorMaker 2 in dedicated mode inside this JVM, copying one direction between two clusters with
 * topic names kept as they are. The proxy never copies data itself; it reads the offset-syncs and
 * checkpoints topics named here to translate consumer offsets and measure lag.
 */
public final class EmbeddedMirrorMaker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedMirrorMaker.class);
    /** The name under which MirrorMaker.start() registers a JVM shutdown hook that nothing ever removes. */
    private static final String MM2_SHUTDOWN_HOOK = "mirror-maker-shutdown-hook";
    private static final Object EXIT_HOOK_LOCK = new Object();

    private final SourceAndTarget flow;
    private final MirrorMaker mirrorMaker;
    private final MirrorTopic offsetSyncs;
    private final MirrorTopic checkpoints;
    private final Thread shutdownHook;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedMirrorMaker(SourceAndTarget flow, MirrorMaker mirrorMaker, MirrorTopic offsetSyncs, MirrorTopic checkpoints) {
        this.flow = flow;
        this.mirrorMaker = mirrorMaker;
        this.offsetSyncs = offsetSyncs;
        this.checkpoints = checkpoints;
        this.shutdownHook = new Thread(this::close, "embedded-mirror-maker-shutdown-" + flow);
    }

    /**
     * Starts replicating {@code topicsRegex} and checkpointing {@code groupsRegex} from source to target.
     * Returns once MM2's worker is starting; the connectors start and begin copying shortly after.
     *
     * @param overrides MM2 properties (mm2.properties syntax) that replace the defaults chosen here
     */
    public static EmbeddedMirrorMaker start(String sourceAlias, String sourceBootstrap, String targetAlias, String targetBootstrap,
                                            String topicsRegex, String groupsRegex, Map<String, String> overrides) {
        SourceAndTarget flow = new SourceAndTarget(sourceAlias, targetAlias);
        MirrorMakerConfig config = new MirrorMakerConfig(MirrorMakerSettings.of(sourceAlias, sourceBootstrap, targetAlias,
            targetBootstrap, topicsRegex, groupsRegex, overrides));
        MirrorTopic offsetSyncs = MirrorMakerSettings.offsetSyncsTopic(config, flow, sourceBootstrap, targetBootstrap);
        MirrorTopic checkpoints = MirrorMakerSettings.checkpointsTopic(config, flow, targetBootstrap);
        MirrorMaker mirrorMaker = create(config, targetAlias);
        try {
            startWithoutItsShutdownHook(mirrorMaker);
        } catch (RuntimeException e) {
            mirrorMaker.stop();
            throw e;
        }
        EmbeddedMirrorMaker mm = new EmbeddedMirrorMaker(flow, mirrorMaker, offsetSyncs, checkpoints);
        Runtime.getRuntime().addShutdownHook(mm.shutdownHook);
        log.info("MirrorMaker {} started: topics '{}', groups '{}', offset syncs in {}, checkpoints in {}",
            flow, topicsRegex, groupsRegex, offsetSyncs, checkpoints);
        return mm;
    }

    private static MirrorMaker create(MirrorMakerConfig config, String targetAlias) {
        // Building a herder swaps the calling thread's context class loader for Connect's plugin
        // loader and leaves it there; the caller's thread must come back as it went in.
        ClassLoader callers = Thread.currentThread().getContextClassLoader();
        try {
            // Only herders that write to the target: nothing of MM2's runs against the source's side.
            return new MirrorMaker(config, List.of(targetAlias), Time.SYSTEM);
        } finally {
            Thread.currentThread().setContextClassLoader(callers);
        }
    }

    /**
     * MirrorMaker.start() adds a JVM shutdown hook through Kafka's Exit and never removes it, which
     * would keep every stopped instance reachable until the JVM ends. That one hook is dropped here;
     * this class registers its own, and removes it on close.
     */
    private static void startWithoutItsShutdownHook(MirrorMaker mirrorMaker) {
        synchronized (EXIT_HOOK_LOCK) {
            Exit.setShutdownHookAdder((name, runnable) -> {
                if (!MM2_SHUTDOWN_HOOK.equals(name)) {
                    Runtime.getRuntime().addShutdownHook(name == null ? new Thread(runnable) : KafkaThread.nonDaemon(name, runnable));
                }
            });
            try {
                mirrorMaker.start();
            } finally {
                Exit.resetShutdownHookAdder();
            }
        }
    }

    /** Where MM2 records upstream/downstream offset pairs of replicated records. */
    public MirrorTopic offsetSyncsTopic() {
        return offsetSyncs;
    }

    /** Where MM2 records consumer groups' committed offsets translated to the target. */
    public MirrorTopic checkpointsTopic() {
        return checkpoints;
    }

    public String sourceAlias() {
        return flow.source();
    }

    public String targetAlias() {
        return flow.target();
    }

    /** Stops the connectors, their tasks and the worker, and waits for their threads to end. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long start = System.nanoTime();
        mirrorMaker.stop();
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException jvmShuttingDown) {
                // the hook is running or about to; close() has already done its work
            }
        }
        log.info("MirrorMaker {} stopped in {} ms", flow, (System.nanoTime() - start) / 1_000_000);
    }
}
