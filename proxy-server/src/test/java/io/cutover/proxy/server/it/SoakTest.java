package io.cutover.proxy.server.it;

import static io.cutover.proxy.server.it.WaveSwitchTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.core.state.Failpoints;
import io.cutover.proxy.core.testing.SmallDisk;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.FaultRelays;
import io.cutover.proxy.server.testkit.KafkaProcessCluster;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.MirrorMakerProcess;
import io.cutover.proxy.server.testkit.ProxyProcess;
import io.cutover.proxy.server.testkit.ScriptConsumer;
import io.cutover.proxy.server.testkit.ScriptProducer;
import io.cutover.proxy.server.testkit.Topics;
import io.cutover.proxy.server.testkit.WaveWorkload;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A fault-injection soak of wave switches and rollbacks under load, with a scoreboard.
 *
 * <p>Given a source and a target cluster ({@code soak.brokers} each, 3 unless told, every broker a
 * process of its own so that one can be killed), MirrorMaker 2 as a separate process and the proxy
 * as a separate process (so it can be killed),
 * and under load through the proxy: Java idempotent producers, a Java transactional producer, a
 * classic and a KIP-848 consumer group. When {@code soak.switches} switches and {@code
 * soak.rollbacks} rollbacks run, each with a fault drawn from a seeded random source ({@code
 * soak.seed}; {@code soak.switch-faults} and {@code soak.rollback-faults} choose among none,
 * MirrorMaker 2 killed and restarted while the operation runs, and the proxy killed at a random step
 * of it and restarted on its state directory), then no acknowledged record is lost, none is written
 * twice and none is out of order, on the clusters; the groups' rows of the scoreboard are asserted by
 * the known-bug variant.
 *
 * <p>Every wave but one ("hot": the consumed topic and the transactional topic, with both groups)
 * holds one topic and is switched once; the hot wave goes switch, rollback, switch, ... so the
 * groups and the transactional producer live through every rollback. All waves end on the target,
 * which therefore must hold every acknowledged record. Prints SOAK-SCOREBOARD and SOAK-PAUSES lines
 * and writes them to {@code target/soak/scoreboard-SEED.txt}. Run the long one with
 * {@code benchmarks/soak/run.sh}. Besides the Java clients, idempotent kafkajs and librdkafka
 * producers ({@link ScriptProducer}) write a topic of the hot wave and are scored the same way, and
 * kafkajs and librdkafka classic group members ({@link ScriptConsumer}) read the hot topic in groups
 * of the hot wave, scored (and asserted by the known-bug variant) like the Java groups.
 */
@Tag("soak")
class SoakTest {
    /** Where a switch or rollback can be cut (the failpoints after "switch." / "rollback."), in step order. */
    private static final List<String> CRASH_POINTS =
        List.of("intent", "fenced", "synced", "groups-carried", "flipped", "routes-written", "released", "wave-saved");
    private static final List<String> STEPS = List.of("writePauseMs", "drainMs", "syncMs", "carryMs", "persistMs", "flipMs", "releaseMs");
    private static final int PARTITIONS = WaveSwitchTest.PARTITIONS;
    /**
     * The default build's seed: 8 operations drawing 7 of the 8 faults, all but a broker kill, with the
     * proxy killed once, in a cold wave's switch. The seeds that showed the known failures (a broker
     * killed, the proxy killed in the hot wave's switches) run in {@link #seedsThatLostAcknowledgedRecords}.
     */
    private static final long DEFAULT_SEED = 1712;

    enum Fault { NONE, MIRROR_MAKER_RESTART, PROXY_KILL, TARGET_CUT_OFF, TARGET_SLOW, TARGET_RESET, STATE_DISK_FULL, BROKER_KILL }

    /**
     * The faults a switch draws from unless {@code soak.switch-faults} names others: all of them.
     * Each fault once exposed a failure the soak found and that is now fixed (README, "Soak"):
     * MIRROR_MAKER_RESTART made the sync step take the target as caught up while a restarted MM2
     * was still copying again; PROXY_KILL made a switch asked again after the restart be refused by
     * gates that had forgotten the wave's clients; and a switch with neither left a producer stuck on
     * OUT_OF_ORDER_SEQUENCE_NUMBER (the first-sequence guard).
     */
    private static final String DEFAULT_SWITCH_FAULTS = "NONE,PROXY_KILL,MIRROR_MAKER_RESTART,TARGET_CUT_OFF,TARGET_SLOW,TARGET_RESET,STATE_DISK_FULL,BROKER_KILL";
    /** The faults a rollback draws from unless {@code soak.rollback-faults} names others: all of them. */
    private static final String DEFAULT_ROLLBACK_FAULTS = "NONE,PROXY_KILL,MIRROR_MAKER_RESTART,TARGET_CUT_OFF,TARGET_SLOW,TARGET_RESET,STATE_DISK_FULL,BROKER_KILL";

    /** One planned operation: a switch or a rollback of a wave. */
    record Op(String wave, boolean rollback) {
        String verb() {
            return rollback ? "rollback" : "switch";
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.MINUTES) // the long soak (50 switches with restarts of JVMs); every wait inside has its own deadline
    void switchesAndRollbacksUnderFaultsLoseNothingWriteNothingTwiceAndKeepOrder() throws Exception {
        soak(false, null);
    }

    /**
     * Known bugs (README, "Known failures"), each a seed that showed it: seed 43 (the proxy killed in
     * a switch and in a rollback of the hot wave) lost records the transactional producer had seen
     * committed, aborted on the source. (Seed 20's lost kafkajs record was kafkajs's own bug, see
     * KafkajsLeaderMoveTest; the soak's kafkajs producer no longer meets it, and seed 20 passes.)
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "seed {0}")
    @org.junit.jupiter.params.provider.ValueSource(longs = {43})
    @Tag("known-bug")
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void seedsThatLostAcknowledgedRecords(long seed) throws Exception {
        soak(false, seed);
    }

    /**
     * The same soak, also asserting that both group consumers live through it and read every
     * acknowledged record, in order, and that the Streams application commits every input's output on
     * the target. Known bugs (README, "Soak"): a group sometimes never reads a run of records around a
     * switch or a rollback, though every one of them is on the target; the KIP-848 consumer's poll can
     * fail with UnknownMemberIdException after a switch; the Streams application's outputs were once
     * still missing 3 minutes after its feeder stopped.
     */
    @Test
    @Tag("known-bug")
    @Timeout(value = 90, unit = TimeUnit.MINUTES)
    void bothGroupsReadEveryAcknowledgedRecordAcrossSwitchesAndRollbacks() throws Exception {
        soak(true, null);
    }

    /**
     * Runs the soak, prints and writes the scoreboard (the groups' rows included), and asserts the
     * producers' guarantees; with {@code groupsMustReadEverything}, the groups' too.
     */
    private void soak(boolean groupsMustReadEverything, Long seed) throws Exception {
        // soak.brokers per cluster (3 unless told), each broker a process of its own (so one can be killed with SIGKILL).
        // The target's brokers are reached (by the proxy, MirrorMaker 2 and the test's readers alike) only through a relay
        // each that can cut it off: each advertises its relay's port to clients, and replicates with the others directly.
        int brokers = Integer.getInteger("soak.brokers", 3);
        KafkaProcessCluster.Plan sourcePlan = new KafkaProcessCluster.Plan(brokers);
        KafkaProcessCluster.Plan plan = new KafkaProcessCluster.Plan(brokers);
        try (FaultRelays relays = FaultRelays.start(brokers)) {
            for (int id = 1; id <= brokers; id++) {
                relays.relay(id).forwardTo("127.0.0.1:" + plan.externalPort(id));
            }
            try (KafkaProcessCluster source = KafkaProcessCluster.start("soak-source", sourcePlan,
                     id -> "127.0.0.1:" + sourcePlan.externalPort(id), Map.of());
                 KafkaProcessCluster target = KafkaProcessCluster.start("soak-target", plan, id -> relays.relay(id).address(), Map.of())) {
                soak(source, target, relays, groupsMustReadEverything, seed);
            }
        }
    }

    private void soak(KafkaProcessCluster source, KafkaProcessCluster target, FaultRelays relay, boolean groupsMustReadEverything,
                      Long seedOverride) throws Exception {
        int switches = Integer.getInteger("soak.switches", 6);
        int rollbacks = Integer.getInteger("soak.rollbacks", 2);
        // The default build's short soak runs one fixed seed, so that a red build is one anyone can run again; other
        // seeds (-Dsoak.seed=N, or "random" for the clock, as benchmarks/soak/run.sh does) explore, and what they find is
        // in the README's known failures until fixed.
        String seedProperty = System.getProperty("soak.seed", String.valueOf(DEFAULT_SEED));
        long seed = seedOverride != null ? seedOverride
            : seedProperty.equals("random") ? System.currentTimeMillis() : Long.parseLong(seedProperty);
        assertTrue(rollbacks >= 0 && switches > rollbacks, "soak.switches must exceed soak.rollbacks (every wave ends on the target)");
        Random random = new Random(seed);
        List<Fault> switchFaults = faults("soak.switch-faults", DEFAULT_SWITCH_FAULTS, target.size());
        List<Fault> rollbackFaults = faults("soak.rollback-faults", DEFAULT_ROLLBACK_FAULTS, target.size());
        String faults = "switchFaults=" + switchFaults + " rollbackFaults=" + rollbackFaults;
        System.out.println("SOAK seed=" + seed + " switches=" + switches + " rollbacks=" + rollbacks + " " + faults
            + " (rerun with -Dsoak.seed=" + seed + ")");

        String prefix = Clients.unique("soak");
        String hot = prefix + "-hot";
        String txnTopic = prefix + "-txn";
        String classic = prefix + "-classic";
        String modern = prefix + "-848";
        // kafkajs and librdkafka idempotent producers write this topic, in the hot wave.
        String polyglot = prefix + "-polyglot";
        List<ScriptProducer.Kind> scriptKinds = scriptKinds();
        // A Kafka Streams application on exactly_once_v2 (input, output, its group and transactional ids) is a wave of
        // its own, switched once; it takes one of the cold waves' switches.
        boolean withStreams = Boolean.parseBoolean(System.getProperty("soak.streams", "true")) && switches - rollbacks - 1 >= 1;
        String streamsIn = prefix + "-streams-in";
        String streamsOut = prefix + "-streams-out";
        String streamsApp = prefix + "-streams-app";
        int coldWaves = switches - rollbacks - 1 - (withStreams ? 1 : 0);
        List<String> cold = new ArrayList<>();
        for (int i = 0; i < coldWaves; i++) {
            cold.add(prefix + "-cold" + i);
        }
        List<String> allTopics = new ArrayList<>(List.of(hot, txnTopic, polyglot));
        allTopics.addAll(cold);
        if (withStreams) {
            allTopics.addAll(List.of(streamsIn, streamsOut));
        }
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            List<NewTopic> create = new ArrayList<>();
            short rf = (short) Math.min(3, admin.describeCluster().nodes().get().size());
            allTopics.forEach(t -> create.add(new NewTopic(t, PARTITIONS, rf)));
            Topics.create(admin, create.toArray(NewTopic[]::new));
        }

        List<Op> ops = plan(rollbacks, coldWaves, random);
        if (withStreams) {
            ops.add(random.nextInt(ops.size() + 1), new Op("streams", false));
        }
        Path failpoints = Files.createTempFile("cutover-soak-failpoints", ".txt");
        Path out = Path.of("target", "soak");
        Files.createDirectories(out);
        List<String> report = new ArrayList<>();
        report.add("SOAK seed=" + seed + " switches=" + switches + " rollbacks=" + rollbacks + " " + faults + " cores="
            + Runtime.getRuntime().availableProcessors() + " clusters=" + target.size() + " brokers each (processes; the target's each behind a "
            + "fault relay), MirrorMaker 2 and "
            + "proxy as processes; non-Java producers " + scriptKinds + "; Kafka Streams exactly_once_v2 " + withStreams);

        List<ScriptProducer> scripts = new ArrayList<>();
        // kafkajs and librdkafka classic group members read the hot topic, each kind in a group of its own, in the hot wave.
        List<ScriptConsumer> scriptGroups = new ArrayList<>();
        List<String> hotGroups = new ArrayList<>(List.of(classic, modern));
        scriptKinds.forEach(k -> hotGroups.add(prefix + "-" + k.name().toLowerCase() + "-group"));
        boolean diskFaults = switchFaults.contains(Fault.STATE_DISK_FULL) || rollbackFaults.contains(Fault.STATE_DISK_FULL);
        try (SmallDisk disk = diskFaults ? SmallDisk.mount(64L << 20) : null;
             MirrorMakerProcess mm = MirrorMakerProcess.start(source.bootstrapServers(), relay.addresses(), prefix + "-.*");
             ProxyProcess proxy = ProxyProcess.start(source.bootstrapServers(), relay.addresses(),
                 stateOn(disk, Map.of("waves.mirrormaker2.offset-syncs-topic", mm.offsetSyncsTopic(), "waves.max-ready-lag", 500)),
                 Map.of("cutover.failpoints.file", failpoints.toString()));
             SequencedProducer hotWriter = new SequencedProducer(proxy.bootstrapServers(), "idem-hot", List.of(hot), 5);
             SequencedProducer coldWriter = new SequencedProducer(proxy.bootstrapServers(), "idem-cold",
                 cold.isEmpty() ? List.of(hot) : cold, 10);
             TransactionalLoad txn = new TransactionalLoad(proxy.bootstrapServers(), txnTopic, prefix + "-txn-id");
             WaveWorkload groups = new WaveWorkload(proxy.bootstrapServers(), hot);
             AutoCloseable stopScripts = () -> scripts.forEach(ScriptProducer::close);
             AutoCloseable stopScriptGroups = () -> scriptGroups.forEach(ScriptConsumer::close);
             SequencedProducer streamsFeeder = withStreams
                 ? new SequencedProducer(proxy.bootstrapServers(), "idem-streams-feed", List.of(streamsIn), 10) : null;
             KafkaStreams streams = withStreams ? StreamsExactlyOnceWaveTest.upperCase(proxy.bootstrapServers(), streamsApp, streamsIn,
                 streamsOut, Files.createTempDirectory("cutover-soak-streams")) : null) {
            AtomicInteger streamsThreadsReplaced = new AtomicInteger();
            AtomicReference<Throwable> streamsFailure = new AtomicReference<>();
            if (streams != null) {
                streams.setUncaughtExceptionHandler(e -> {
                    // A client restart in the scoreboard's sense: the application replaces the thread and goes on.
                    streamsThreadsReplaced.incrementAndGet();
                    streamsFailure.compareAndSet(null, e);
                    return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
                });
                streams.start();
            }
            groups.consume(classic, "classic").consume(modern, "consumer");
            for (ScriptProducer.Kind kind : scriptKinds) {
                scripts.add(ScriptProducer.start(kind, proxy.bootstrapServers(), polyglot, PARTITIONS, kind.name().toLowerCase() + "-idem"));
                scriptGroups.add(ScriptConsumer.start(kind, proxy.bootstrapServers(), hot, prefix + "-" + kind.name().toLowerCase() + "-group",
                    kind.name().toLowerCase() + "-member"));
            }
            Await.until("load through the proxy: producers acknowledged, transactions committed, both groups reading",
                Duration.ofSeconds(90), () -> hotWriter.ackedCount() > 100 && coldWriter.ackedCount() > 50 && txn.committedCount() > 5
                    && !groups.consumed(classic).isEmpty() && !groups.consumed(modern).isEmpty()
                    && scripts.stream().allMatch(c -> c.ackedCount() > 20 || !c.errors().isEmpty())
                    && scriptGroups.stream().allMatch(c -> !c.consumed().isEmpty() || !c.errors().isEmpty())
                    && (streams == null || streamsFeeder.ackedCount() > 50 && !log(source, streamsOut, true).values().stream()
                        .allMatch(List::isEmpty)));
            scripts.forEach(c -> assertEquals(List.of(), c.errors(), c.kind() + " reported errors"));

            create(proxy, "hot", List.of(hot, txnTopic, polyglot), hotGroups);
            for (int i = 0; i < coldWaves; i++) {
                create(proxy, "cold" + i, List.of(cold.get(i)), List.of());
            }
            if (streams != null) {
                create(proxy, "streams", List.of(streamsIn, streamsOut), List.of(streamsApp));
            }

            List<JsonNode> reports = new ArrayList<>();
            Map<Fault, Double> maxStallByFault = new LinkedHashMap<>();
            Map<String, Integer> outcomes = new LinkedHashMap<>();
            // A forced rollback leaves on the target what was written there while switched; a group that
            // had not read those records before the rollback never will (they are not on the source).
            // Every such record was sent before the last rollback of the hot wave returned.
            long leftBehindBelow = 0;
            for (int i = 0; i < ops.size(); i++) {
                Op op = ops.get(i);
                List<Fault> drawFrom = op.rollback() ? rollbackFaults : switchFaults;
                Fault fault = drawFrom.get(random.nextInt(drawFrom.size()));
                String point = CRASH_POINTS.get(random.nextInt(CRASH_POINTS.size()));
                // TARGET_CUT_OFF: from within the operation's first 300 ms (a switch takes a few hundred: its checks, then the
                // write pause), for 2 to 6 s.
                CutOff cutOff = new CutOff(random.nextInt(300), 2_000 + random.nextInt(4_000));
                if (!op.rollback()) {
                    awaitReady(proxy, op.wave());
                }
                long before = System.nanoTime();
                String outcome = run(proxy, mm, relay, source, target, disk, failpoints, op, fault, point, cutOff, reports);
                long after = System.nanoTime();
                outcomes.merge(fault + ":" + outcome.split(" ")[0], 1, Integer::sum);
                if (op.rollback()) {
                    leftBehindBelow = hotWriter.sent();
                }
                double stall = hotWriter.maxLatencyMs(before, after);
                maxStallByFault.merge(fault, stall, Math::max);
                // Records each group has read more than once so far: a jump after one operation says which moved a group back.
                String reread = "hotProducerSequence=" + hotWriter.ackedCount() + " classicRead=" + groups.consumed(classic).size()
                    + " kip848Read=" + groups.consumed(modern).size() + " classicReread=" + reread(groups.consumed(classic)) + " kip848Reread=" + reread(groups.consumed(modern));
                String line = String.format("SOAK-OP %d/%d %s %s fault=%s%s -> %s clientStallMs=%.1f %s", i + 1, ops.size(), op.verb(),
                    op.wave(), fault, fault == Fault.PROXY_KILL ? "@" + op.verb() + "." + point
                        : fault == Fault.TARGET_CUT_OFF || fault == Fault.TARGET_SLOW || fault == Fault.TARGET_RESET
                            || fault == Fault.STATE_DISK_FULL || fault == Fault.BROKER_KILL ? "@" + cutOff : "",
                    outcome, stall, reread);
                System.out.println(line);
                report.add(line);
                // The clients came through: writes are acknowledged and transactions committed again.
                int acked = hotWriter.ackedCount();
                int committed = txn.committedCount();
                Map<ScriptProducer, Integer> scriptAcked = new HashMap<>();
                scripts.forEach(c -> scriptAcked.put(c, c.ackedCount()));
                Await.until("writes and transactions go on after " + op.verb() + " " + op.wave(), Duration.ofSeconds(120),
                    () -> hotWriter.ackedCount() > acked + 20 && txn.committedCount() > committed + 2
                        && scripts.stream().allMatch(c -> c.ackedCount() > scriptAcked.get(c) + 10 || !c.errors().isEmpty())
                        || hotWriter.failure() != null);
            }

            hotWriter.stop();
            coldWriter.stop();
            txn.stop();
            for (ScriptProducer c : scripts) {
                c.stop(Duration.ofSeconds(180));
            }
            Score streamsScore = null;
            if (streams != null) {
                streamsFeeder.stop();
                streamsScore = streamsScore(streamsFeeder.ackedKeys(streamsIn), source, target, streamsOut);
                streamsScore.restarts = streamsThreadsReplaced.get();
            }
            Set<String> hotAcked = hotWriter.ackedKeys(hot);
            String consumedEverything = null;
            try {
                Await.until("every group read every acknowledged record of " + hot, Duration.ofSeconds(groupsMustReadEverything ? 180 : 30),
                    () -> Set.copyOf(groups.consumed(classic)).containsAll(hotAcked)
                        && Set.copyOf(groups.consumed(modern)).containsAll(hotAcked)
                        && scriptGroups.stream().allMatch(c -> Set.copyOf(c.consumed()).containsAll(hotAcked)));
            } catch (AssertionError timedOut) {
                consumedEverything = timedOut.getMessage(); // scored below, asserted after the scoreboard is printed
            }

            // The scoreboard, from both clusters' logs and what each client saw.
            Score idempotent = new Score("java-idempotent-producer");
            List<SequencedProducer> javaWriters = new ArrayList<>(List.of(hotWriter, coldWriter));
            if (streamsFeeder != null) {
                javaWriters.add(streamsFeeder);
            }
            for (SequencedProducer w : javaWriters) {
                for (String topic : w.topics()) {
                    idempotent.addLogs(w.ackedKeys(topic), log(source, topic, false), log(target, topic, false));
                }
            }
            idempotent.restarts = 0;
            idempotent.maxStallMs = Math.max(hotWriter.maxLatencyMs(0, Long.MAX_VALUE), coldWriter.maxLatencyMs(0, Long.MAX_VALUE));
            Score transactional = new Score("java-transactional-producer");
            transactional.addLogs(txn.committedKeys(), log(source, txnTopic, true), log(target, txnTopic, true));
            transactional.restarts = txn.restarts();
            if (transactional.lost > 0) {
                // Where did they go: written but never committed (past a partition's last stable offset), or nowhere?
                Map<String, Integer> sourceAll = Score.counts(log(source, txnTopic, false));
                Map<String, Integer> targetAll = Score.counts(log(target, txnTopic, false));
                Set<String> lostKeys = new java.util.TreeSet<>(txn.committedKeys());
                lostKeys.removeAll(flatten(log(target, txnTopic, true)));
                for (String k : lostKeys) {
                    System.out.println("SOAK-TXN-LOST " + k + " read_uncommitted: source " + sourceAll.getOrDefault(k, 0) + "x, target "
                        + targetAll.getOrDefault(k, 0) + "x");
                }
                System.out.println("SOAK-TXN-LOST source: " + openTransactions(source.bootstrapServers(), txnTopic));
                System.out.println("SOAK-TXN-LOST target: " + openTransactions(target.bootstrapServers(), txnTopic));
            }
            transactional.maxStallMs = txn.maxTransactionMs();
            Set<String> abortedVisible = new java.util.HashSet<>(txn.abortedKeys());
            // On the target too: a replicator reading read_uncommitted copies aborted records as ordinary ones.
            Set<String> readCommitted = flatten(log(source, txnTopic, true));
            readCommitted.addAll(flatten(log(target, txnTopic, true)));
            abortedVisible.retainAll(readCommitted);
            Set<String> hotOnSource = flatten(log(source, hot, false));
            List<Score> scriptScores = new ArrayList<>();
            Map<Integer, List<String>> polyglotOnSource = log(source, polyglot, false);
            Map<Integer, List<String>> polyglotOnTarget = log(target, polyglot, false);
            for (ScriptProducer c : scripts) {
                Score score = new Score(c.kind().name().toLowerCase() + "-idempotent-producer");
                score.addLogs(c.ackedKeys(), polyglotOnSource, polyglotOnTarget);
                scriptScores.add(score);
            }
            Score classicScore = Score.consumer("java-classic-group", hotAcked, groups.consumed(classic), hotOnSource, leftBehindBelow);
            Score modernScore = Score.consumer("java-kip848-group", hotAcked, groups.consumed(modern), hotOnSource, leftBehindBelow);
            List<Score> groupScores = new ArrayList<>(List.of(classicScore, modernScore));
            for (ScriptConsumer c : scriptGroups) {
                c.stop(Duration.ofSeconds(60));
                Score score = Score.consumer(c.kind().name().toLowerCase() + "-classic-group", hotAcked, c.consumed(), hotOnSource,
                    leftBehindBelow);
                score.restarts = c.restarts();
                groupScores.add(score);
            }
            double maxPause = reports.stream().mapToDouble(r -> r.path("writePauseMs").asDouble()).max().orElse(0);
            List<Score> producerScores = new ArrayList<>(List.of(idempotent, transactional));
            producerScores.addAll(scriptScores);
            List<Score> all = new ArrayList<>(producerScores);
            all.addAll(groupScores);
            if (streamsScore != null) {
                all.add(streamsScore);
            }
            for (Score s : all) {
                report.add(s.line(maxPause));
            }
            for (ScriptProducer c : scripts) {
                List<String> errors = c.errors();
                report.add("SOAK-SCOREBOARD " + c.kind().name().toLowerCase() + " errors=" + errors.size()
                    + (errors.isEmpty() ? "" : " first=" + errors.get(0).lines().findFirst().orElse("")));
            }
            for (ScriptConsumer c : scriptGroups) {
                List<String> errors = c.errors();
                report.add("SOAK-SCOREBOARD " + c.kind().name().toLowerCase() + "-group errors=" + errors.size()
                    + (errors.isEmpty() ? "" : " first=" + errors.get(0).lines().findFirst().orElse("")));
            }
            report.add("SOAK-SCOREBOARD transactional: committed=" + txn.committedKeys().size() + " aborted=" + txn.abortedKeys().size()
                + " inDoubt=" + txn.inDoubt() + " abortedVisibleReadCommitted=" + abortedVisible.size());
            report.add("SOAK-OUTCOMES " + outcomes + " maxClientStallMsByFault=" + maxStallByFault);
            report.add("SOAK-PAUSES completed switches and rollbacks with a report: " + reports.size());
            for (String step : STEPS) {
                List<Double> values = reports.stream().map(r -> r.path(step).asDouble()).toList();
                report.add(String.format("SOAK-PAUSES %-13s median=%.1f p90=%.1f max=%.1f", step, percentile(values, 0.5),
                    percentile(values, 0.9), percentile(values, 1.0)));
            }
            report.forEach(System.out::println);
            Path scoreboard = out.resolve("scoreboard-" + seed + ".txt");
            Files.write(scoreboard, report);
            System.out.println("SOAK scoreboard written to " + scoreboard.toAbsolutePath());

            assertNull(hotWriter.failure(), () -> "idempotent producer failed: " + hotWriter.failure());
            assertNull(coldWriter.failure(), () -> "idempotent producer failed: " + coldWriter.failure());
            assertNull(txn.failure(), () -> "transactional producer failed: " + txn.failure());
            if (groups.failure() != null) {
                System.out.println("SOAK a consumer failed (the first failure of the two group consumers):");
                groups.failure().printStackTrace(System.out);
            }
            if (groupsMustReadEverything) {
                assertNull(groups.failure(), () -> "a consumer failed: " + groups.failure());
                assertNull(consumedEverything, consumedEverything);
            }
            for (ScriptProducer c : scripts) {
                assertEquals(List.of(), c.errors(), c.kind() + " reported errors");
            }
            if (streamsScore != null) {
                if (streamsFailure.get() != null) {
                    System.out.println("SOAK the Streams application replaced a thread " + streamsThreadsReplaced.get() + " times; the first:");
                    streamsFailure.get().printStackTrace(System.out);
                }
                assertNull(streamsFeeder.failure(), () -> "the Streams application's feeder failed: " + streamsFeeder.failure());
                System.out.println("SOAK the Streams application ended " + streams.state());
                if (groupsMustReadEverything) {
                    // Known bug (README, "Soak"): in 1 of 4 runs of seed 44 some outputs were still missing after 3 minutes.
                    assertEquals(KafkaStreams.State.RUNNING, streams.state(), "the Streams application runs");
                    assertEquals(0, streamsScore.lost, "input records whose output is not on the target: " + streamsScore.examples);
                    assertEquals(0, streamsScore.reorderings, "outputs out of order: " + streamsScore.examples);
                    assertEquals(0, streamsScore.duplicates, "inputs processed twice, both outputs committed: " + streamsScore.examples);
                }
            }
            for (Score s : producerScores) {
                assertEquals(0, s.lost, s.name + ": acknowledged records lost " + s.examples);
                assertEquals(0, s.duplicates, s.name + ": records written twice " + s.examples);
                assertEquals(0, s.reorderings, s.name + ": records out of order " + s.examples);
            }
            // MirrorMaker 2 copies at least once: killed, its connections to the target reset, or a target broker killed under it, it
            // copies again what it had not committed progress for, so copies of source records may repeat
            // on the target (a limit of MM2, not of the proxy, named in the README). Without any of them there
            // must be none.
            if (!outcomes.keySet().stream().anyMatch(k -> k.startsWith(Fault.MIRROR_MAKER_RESTART.name())
                || k.startsWith(Fault.TARGET_RESET.name()) || k.startsWith(Fault.BROKER_KILL.name()))) {
                assertEquals(0, producerScores.stream().mapToLong(s -> s.replicationDuplicates).sum(), "copies repeated on the target");
            }
            assertEquals(Set.of(), abortedVisible, "aborted transactions' records visible to read_committed on either cluster");
            for (ScriptConsumer c : groupsMustReadEverything ? scriptGroups : List.<ScriptConsumer>of()) {
                assertEquals(List.of(), c.errors(), c.kind() + " group member reported errors");
            }
            for (Score s : groupsMustReadEverything ? groupScores : List.<Score>of()) {
                assertEquals(0, s.lost, s.name + ": acknowledged records never read " + s.examples);
                assertEquals(0, s.reorderings, s.name + ": records read out of order " + s.examples);
            }
        }
    }

    /**
     * The non-Java clients the soak runs: both, unless {@code soak.non-java=false}. One that is not
     * installed is left out with a line saying so, except under CI, whose .ci/run installs them.
     */
    private static List<ScriptProducer.Kind> scriptKinds() {
        if (!Boolean.parseBoolean(System.getProperty("soak.non-java", "true"))) {
            return List.of();
        }
        List<ScriptProducer.Kind> kinds = new ArrayList<>();
        for (ScriptProducer.Kind kind : ScriptProducer.Kind.values()) {
            String missing = kind.unavailableBecause();
            if (missing != null && "true".equals(System.getenv("CI"))) {
                throw new AssertionError(missing);
            }
            if (missing == null) {
                kinds.add(kind);
            } else {
                System.out.println("SOAK without " + kind + ": " + missing);
            }
        }
        return kinds;
    }

    /**
     * The Streams application's row: each acknowledged input record ("partition:value") must have its
     * output ("partition:VALUE", same key, so same partition) committed on the target, where every
     * wave ends. An output on the target more than once is told apart by its processing id (a header
     * the application stamps anew each time it processes an input, which MirrorMaker 2's copies keep):
     * two ids, the application processed the input twice and committed both, a duplicate (exactly-once
     * broken across the switch); one id twice, a restarted MM2 copied the output again, counted apart
     * as the producers' repeated copies are.
     */
    private static Score streamsScore(Set<String> inputAcked, KafkaProcessCluster source, KafkaProcessCluster target, String output) {
        Set<String> expected = new java.util.HashSet<>();
        inputAcked.forEach(k -> expected.add(k.toUpperCase()));
        Map<Integer, List<String>> onTarget = new HashMap<>();
        try {
            Await.until("every acknowledged input's output committed on the target", Duration.ofSeconds(180), () -> {
                onTarget.clear();
                onTarget.putAll(log(target, output, true));
                return flatten(onTarget).containsAll(expected);
            });
        } catch (AssertionError timedOut) {
            // Scored below as lost; the known-bug variant asserts it (README, "Soak").
            Set<String> missing = new java.util.TreeSet<>(expected);
            missing.removeAll(flatten(onTarget));
            Set<String> onSource = flatten(log(source, output, true));
            System.out.println("SOAK the Streams application: " + timedOut.getMessage() + ": " + missing.size() + " of " + expected.size()
                + " outputs missing (" + missing.stream().filter(onSource::contains).count() + " of them committed on the source), e.g. "
                + missing.stream().limit(10).toList());
        }
        Score s = new Score("java-streams-exactly-once-v2");
        Map<Integer, List<String>> sourceLog = log(source, output, true);
        s.addLogs(expected, sourceLog, onTarget);
        // addLogs took every output once on the source and more than once on the target for MM2's copies.
        Map<String, Integer> onSource = Score.counts(sourceLog);
        Map<String, List<String>> ids = processingIds(target, output);
        s.replicationDuplicates = 0;
        for (String key : expected) {
            List<String> copies = ids.getOrDefault(key, List.of());
            if (onSource.getOrDefault(key, 0) != 1 || copies.size() < 2) {
                continue; // none, once, or already counted by addLogs
            }
            if (new java.util.HashSet<>(copies).size() > 1) {
                s.duplicates++;
                s.example("processed twice " + key + " (" + copies.size() + " copies on the target from " + new java.util.HashSet<>(copies).size()
                    + " processings)");
            } else {
                s.replicationDuplicates++;
            }
        }
        return s;
    }

    /** Per partition: the end offset, the last stable offset, and the producers with a transaction open there. */
    private static String openTransactions(String bootstrap, String topic) {
        StringBuilder out = new StringBuilder();
        try (Admin admin = Clients.admin(bootstrap)) {
            for (int p = 0; p < PARTITIONS; p++) {
                TopicPartition tp = new TopicPartition(topic, p);
                long end = admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest())).all().get().get(tp).offset();
                long stable = admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()),
                    new org.apache.kafka.clients.admin.ListOffsetsOptions(org.apache.kafka.common.IsolationLevel.READ_COMMITTED))
                    .all().get().get(tp).offset();
                out.append(tp).append(" end=").append(end).append(" stable=").append(stable);
                admin.describeProducers(List.of(tp)).partitionResult(tp).get().activeProducers().stream()
                    .filter(ps -> ps.currentTransactionStartOffset().isPresent())
                    .forEach(ps -> out.append(" open{producerId=").append(ps.producerId()).append(" epoch=").append(ps.producerEpoch())
                        .append(" from=").append(ps.currentTransactionStartOffset().getAsLong()).append(" lastSequence=")
                        .append(ps.lastSequence()).append('}'));
                out.append("; ");
            }
        } catch (Exception e) {
            out.append("(").append(e).append(")");
        }
        return out.toString();
    }

    /** Per output ("partition:value"), the processing ids of its copies on {@code cluster}, read_committed. */
    private static Map<String, List<String>> processingIds(KafkaProcessCluster cluster, String topic) {
        Map<String, List<String>> out = new HashMap<>();
        try (KafkaConsumer<String, String> c = Clients.consumer(cluster.bootstrapServers(), null,
            Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000))) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                tps.add(new TopicPartition(topic, p));
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = c.endOffsets(tps);
            Await.until("read " + topic + "'s processing ids to its end on " + cluster.name(), Duration.ofSeconds(120), () -> {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    org.apache.kafka.common.header.Header h = r.headers().lastHeader(StreamsExactlyOnceWaveTest.PROCESSING_ID);
                    out.computeIfAbsent(r.partition() + ":" + r.value(), k -> new ArrayList<>())
                        .add(h == null ? "none" : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8));
                }
                return tps.stream().allMatch(tp -> c.position(tp) >= ends.get(tp));
            });
        }
        return out;
    }

    private static List<Fault> faults(String property, String defaults, int brokersPerCluster) {
        List<Fault> faults = java.util.Arrays.stream(System.getProperty(property, defaults).split(",")).map(String::trim)
            .map(Fault::valueOf).toList();
        if (faults.contains(Fault.BROKER_KILL) && brokersPerCluster < 3) {
            System.out.println("SOAK without BROKER_KILL: the clusters have " + brokersPerCluster + " broker(s) each; killing one needs 3");
            faults = faults.stream().filter(f -> f != Fault.BROKER_KILL).toList();
        }
        if (faults.contains(Fault.STATE_DISK_FULL) && !SmallDisk.available()) {
            System.out.println("SOAK without STATE_DISK_FULL: " + SmallDisk.unavailableBecause());
            faults = faults.stream().filter(f -> f != Fault.STATE_DISK_FULL).toList();
        }
        return faults;
    }

    /**
     * The order of operations: the hot wave switches rollbacks + 1 times with a rollback between
     * each, and each cold wave switches once, the cold switches placed at random among the hot ones.
     */
    static List<Op> plan(int rollbacks, int coldWaves, Random random) {
        List<Op> hotOps = new ArrayList<>();
        for (int i = 0; i < rollbacks; i++) {
            hotOps.add(new Op("hot", false));
            hotOps.add(new Op("hot", true));
        }
        hotOps.add(new Op("hot", false));
        List<Op> ops = new ArrayList<>(hotOps);
        for (int i = 0; i < coldWaves; i++) {
            ops.add(random.nextInt(ops.size() + 1), new Op("cold" + i, false));
        }
        return ops;
    }

    /**
     * Runs one operation under {@code fault}; returns how it went ("ok", "completed-at-start",
     * "undone-then-ok", "refused-then-ok", with the number of tries). A report with a write pause
     * is added to {@code reports} for every operation that was answered 200.
     */
    /** When the target is cut off after an operation starts, and for how long. */
    record CutOff(int afterMs, int forMs) {
        @Override
        public String toString() {
            return "+" + afterMs + "ms-for-" + forMs + "ms";
        }
    }

    /** "ok" for an operation answered 200 under a fault; else it is logged as refused {@code why}, and asked again until answered. */
    private static String answeredOrRetried(ProxyProcess proxy, HttpResponse<String> r, Op op, String path, String body,
                                            List<JsonNode> reports, String why) throws Exception {
        if (r.statusCode() == 200) {
            reports.add(json(r).get("lastSwitch"));
            return "ok";
        }
        System.out.println("SOAK-REFUSED " + op.verb() + " " + op.wave() + " " + why + ": " + r.statusCode() + " " + r.body());
        if (!op.rollback()) {
            awaitReady(proxy, op.wave());
        }
        return "refused-then-" + untilAnswered(proxy, path, body, op, reports);
    }

    /** The proxy's overrides, with its state directory on {@code disk} when there is one. */
    private static Map<String, Object> stateOn(SmallDisk disk, Map<String, Object> overrides) {
        if (disk == null) {
            return overrides;
        }
        Map<String, Object> all = new LinkedHashMap<>(overrides);
        all.put("state-dir", disk.dir().resolve("state").toString());
        return all;
    }

    private static String run(ProxyProcess proxy, MirrorMakerProcess mm, FaultRelays relay, KafkaProcessCluster source,
                              KafkaProcessCluster target, SmallDisk disk,
                              Path failpoints, Op op, Fault fault,
                              String point, CutOff cutOff, List<JsonNode> reports) throws Exception {
        String path = "/waves/" + op.wave() + "/" + op.verb();
        String body = op.rollback() ? "{\"force\":true}" : null;
        switch (fault) {
            case PROXY_KILL -> {
                String before = state(proxy, op.wave());
                Files.writeString(failpoints, op.verb() + "." + point);
                HttpResponse<String> answered = null;
                try {
                    answered = proxy.send("POST", path, body);
                } catch (UncheckedIOException expected) {
                    // the admin connection died with the process
                } finally {
                    Files.writeString(failpoints, "");
                }
                if (answered != null) {
                    // Refused or aborted before it got to the failpoint (a gate, a cluster call under a fault): nothing
                    // halted, and it is asked again as after any refusal. Answered 200, it went past the failpoint.
                    assertTrue(answered.statusCode() != 200, "the proxy went through " + op.verb() + "." + point + " without halting: "
                        + answered.body());
                    return answeredOrRetried(proxy, answered, op, path, body, reports, "before " + op.verb() + "." + point);
                }
                assertEquals(Failpoints.EXIT_STATUS, proxy.awaitExit(Duration.ofSeconds(60)), "halted at " + op.verb() + "." + point);
                proxy.restart();
                if (!state(proxy, op.wave()).equals(before)) {
                    return "completed-at-start";
                }
                if (!op.rollback()) {
                    awaitReady(proxy, op.wave());
                }
                return "undone-then-" + untilAnswered(proxy, path, body, op, reports);
            }
            case MIRROR_MAKER_RESTART -> {
                // Killed and started again while the switch waits for replication or runs under the fence.
                AtomicReference<Throwable> restartFailure = new AtomicReference<>();
                Thread restart = new Thread(() -> {
                    try {
                        mm.restart();
                    } catch (Throwable e) {
                        restartFailure.set(e);
                    }
                }, "soak-mm2-restart");
                restart.start();
                HttpResponse<String> r = proxy.send("POST", path, body);
                restart.join(120_000);
                assertNull(restartFailure.get(), () -> "MirrorMaker 2 did not start again: " + restartFailure.get());
                return answeredOrRetried(proxy, r, op, path, body, reports, "while MM2 restarted");
            }
            case TARGET_CUT_OFF -> {
                // The target unreachable for everyone (packets dropped, no socket reset) while the operation runs: it must
                // either go through or give up, and the clients must come through either way once the target is back.
                HttpResponse<String> r = sendDuring(proxy, path, body, cutOff, "target-cut-off", relay::blackhole, relay::restore);
                return answeredOrRetried(proxy, r, op, path, body, reports, "while the target was cut off");
            }
            case TARGET_SLOW -> {
                // A slow, congested link to the target for the whole operation (everyone's: the proxy's, MM2's, the
                // checks'): latency and a cap per connection drawn from the cut-off's numbers, so the seed replays them.
                Duration delay = Duration.ofMillis(20 + cutOff.afterMs() / 4);
                long cap = 256L * 1024 * (1 + cutOff.forMs() / 1_000);
                relay.latency(delay);
                relay.bandwidth(cap);
                HttpResponse<String> r;
                try {
                    r = proxy.send("POST", path, body);
                } finally {
                    relay.latency(Duration.ZERO);
                    relay.bandwidth(0);
                }
                return answeredOrRetried(proxy, r, op, path, body, reports,
                    "over a slow target (" + delay.toMillis() + " ms, " + cap / 1024 + " KiB/s)");
            }
            case TARGET_RESET -> {
                // Every connection to the target reset (a broker restart, a load balancer's idle cut) within the
                // operation's first 300 ms; new connections go through at once.
                HttpResponse<String> r = sendDuring(proxy, path, body, cutOff, "target-reset", relay::reset, null);
                return answeredOrRetried(proxy, r, op, path, body, reports, "with the target's connections reset");
            }
            case BROKER_KILL -> {
                // One broker of either cluster killed with SIGKILL within the operation's first 300 ms and started
                // again on its log directory 2 to 6 s later: its partitions' leadership moves, and the proxy, MM2 and
                // the clients follow it; replication factor 3, min.insync.replicas 2, so nothing acknowledged is lost.
                int drawn = cutOff.forMs() % (source.size() + target.size()); // drawn from the seed with the timing
                KafkaProcessCluster cluster = drawn < source.size() ? source : target;
                int victim = 1 + drawn % cluster.size();
                HttpResponse<String> r = sendDuring(proxy, path, body, cutOff, cluster.name() + "-broker-kill", () -> cluster.kill(victim),
                    () -> cluster.restart(victim));
                cluster.awaitBrokers(cluster.size());
                return answeredOrRetried(proxy, r, op, path, body, reports, "with " + cluster.name() + " broker " + victim + " killed");
            }
            case STATE_DISK_FULL -> {
                // The proxy's state disk full (every journal, route and wave write refused with "No space left on
                // device") from within the operation's first 300 ms for 2 to 6 s: the operation is refused before
                // it moves anything, or aborted, or goes through; producers needing new mappings wait meanwhile.
                String before = state(proxy, op.wave());
                HttpResponse<String> r = sendDuring(proxy, path, body, cutOff, "state-disk-full", disk::fill, disk::free);
                if (r.statusCode() != 200 && !state(proxy, op.wave()).equals(before)) {
                    // Through the flip, but a file after it could not be written: the running proxy follows its
                    // routes, and the next save of the waves (or a restart, from the journal) settles the rest.
                    System.out.println("SOAK-UNSAVED " + op.verb() + " " + op.wave() + ": " + r.statusCode() + " " + r.body());
                    return "through-unsaved";
                }
                return answeredOrRetried(proxy, r, op, path, body, reports, "while the state disk was full");
            }
            default -> {
                return untilAnswered(proxy, path, body, op, reports);
            }
        }
    }

    /** What a fault does at one point of its timing. */
    private interface FaultStep {
        void run() throws Exception;
    }

    /**
     * Asks for the operation while a fault runs on a thread of its own: {@code begin} {@link CutOff#afterMs()}
     * after the request goes out, and {@code end} (null: nothing to undo) {@link CutOff#forMs()} later, even if
     * {@code begin} failed. The sleeps are the fault's timing, drawn from the seed: not synchronisation.
     * Returns the answer once the fault is over; a fault that could not be done or undone fails the test.
     */
    private static HttpResponse<String> sendDuring(ProxyProcess proxy, String path, String body, CutOff cutOff, String fault,
                                                   FaultStep begin, FaultStep end) throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(cutOff.afterMs());
                begin.run();
                if (end != null) {
                    Thread.sleep(cutOff.forMs());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable e) {
                failure.set(e);
            } finally {
                if (end != null) {
                    try {
                        end.run();
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }
            }
        }, "soak-" + fault);
        t.start();
        HttpResponse<String> r;
        try {
            r = proxy.send("POST", path, body);
        } finally {
            t.join(60_000);
        }
        assertNull(failure.get(), () -> fault + " failed: " + failure.get());
        return r;
    }

    /**
     * Asks for the operation until it is answered 200, at most 5 times: a switch may be refused
     * when replication has fallen behind (after a fault), which is the proxy doing its job; it is
     * asked again once the wave is READY.
     */
    private static String untilAnswered(ProxyProcess proxy, String path, String body, Op op, List<JsonNode> reports) {
        for (int attempt = 1; attempt <= 5; attempt++) {
            HttpResponse<String> r = proxy.send("POST", path, body);
            if (r.statusCode() == 200) {
                reports.add(json(r).get("lastSwitch"));
                return attempt == 1 ? "ok" : "ok-after-" + attempt;
            }
            System.out.println("SOAK-REFUSED " + op.verb() + " " + op.wave() + " attempt " + attempt + ": " + r.statusCode() + " " + r.body());
            if (!op.rollback()) {
                awaitReady(proxy, op.wave());
            }
        }
        throw new AssertionError(op.verb() + " " + op.wave() + " refused 5 times");
    }

    private static void create(ProxyProcess proxy, String wave, List<String> topics, List<String> groups) {
        HttpResponse<String> r = proxy.send("POST", "/waves", "{\"name\":\"" + wave + "\",\"topics\":" + WaveSwitchTest.toJson(topics)
            + ",\"groups\":" + WaveSwitchTest.toJson(groups) + "}");
        assertEquals(201, r.statusCode(), r.body());
    }

    private static String state(ProxyProcess proxy, String wave) {
        return json(proxy.send("GET", "/waves/" + wave, null)).path("state").asText();
    }

    private static void awaitReady(ProxyProcess proxy, String wave) {
        Await.until("wave " + wave + " READY", Duration.ofSeconds(120),
            () -> json(proxy.send("POST", "/waves/" + wave + "/check", null)), w -> w.path("state").asText().equals("READY"));
    }

    /** A topic's records on one cluster, "partition:value" in log order per partition; read_committed for a transactional topic. */
    static Map<Integer, List<String>> log(EmbeddedKafkaCluster cluster, String topic, boolean readCommitted) {
        return log(cluster.bootstrapServers(), cluster.name(), topic, readCommitted);
    }

    static Map<Integer, List<String>> log(KafkaProcessCluster cluster, String topic, boolean readCommitted) {
        return log(cluster.bootstrapServers(), cluster.name(), topic, readCommitted);
    }

    private static Map<Integer, List<String>> log(String bootstrap, String clusterName, String topic, boolean readCommitted) {
        Map<Integer, List<String>> out = new HashMap<>();
        try (KafkaConsumer<String, String> c = Clients.consumer(bootstrap, null,
            Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000))) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                tps.add(new TopicPartition(topic, p));
                out.put(p, new ArrayList<>());
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = c.endOffsets(tps);
            Await.until("read " + topic + " to its end on " + clusterName, Duration.ofSeconds(120), () -> {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    out.get(r.partition()).add(r.partition() + ":" + r.value());
                }
                return tps.stream().allMatch(tp -> c.position(tp) >= ends.get(tp));
            });
        }
        return out;
    }

    private static int reread(List<String> consumed) {
        return consumed.size() - new java.util.HashSet<>(consumed).size();
    }

    private static Set<String> flatten(Map<Integer, List<String>> log) {
        Set<String> all = new java.util.HashSet<>();
        log.values().forEach(all::addAll);
        return all;
    }

    static double percentile(List<Double> values, double q) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        if (q == 0.5) {
            int n = sorted.size();
            return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        }
        return sorted.get(Math.max(0, (int) Math.ceil(sorted.size() * q) - 1));
    }

    /** The producer's sequence number in a value "producer-n". */
    private static long sequence(String key) {
        return Long.parseLong(key.substring(key.lastIndexOf('-') + 1));
    }

    private static String producerOf(String key) {
        return key.substring(key.indexOf(':') + 1, key.lastIndexOf('-'));
    }

    /** One row of the scoreboard. */
    static final class Score {
        final String name;
        long acknowledged;
        long lost;
        long duplicates;
        long replicationDuplicates;
        long leftBehindByRollback;
        long reorderings;
        long restarts;
        double maxStallMs;
        final List<String> examples = new ArrayList<>();

        Score(String name) {
            this.name = name;
        }

        /**
         * Scores acknowledged records ("partition:value") against both clusters' logs. A record
         * on the source was written there (its copies on the target are MirrorMaker 2's); a record
         * only on the target was written there while its wave was switched. Written twice: twice on
         * the source, or twice on the target without being on the source. Every wave ends on the
         * target, so the target must hold every acknowledged record: one it lacks is lost. Order:
         * per partition and producer, the target's first copies in sequence order, and the source's.
         */
        void addLogs(Set<String> acked, Map<Integer, List<String>> sourceLog, Map<Integer, List<String>> targetLog) {
            acknowledged += acked.size();
            Map<String, Integer> onSource = counts(sourceLog);
            Map<String, Integer> onTarget = counts(targetLog);
            for (String a : acked) {
                int s = onSource.getOrDefault(a, 0);
                int t = onTarget.getOrDefault(a, 0);
                if (t == 0) {
                    lost++;
                    example("lost " + a + " (on source " + s + "x)");
                }
                if (s > 1 || (s == 0 && t > 1)) {
                    duplicates++;
                    example("twice " + a + " (source " + s + "x, target " + t + "x)");
                }
                if (s == 1 && t > 1) {
                    replicationDuplicates++;
                }
            }
            int before = examples.size();
            reorderings += reorderings(sourceLog, "source", examples) + reorderings(targetLog, "target", examples);
            // Where each out-of-order record was written: on the source (a copy MM2 made late) or only on the target.
            for (int i = before; i < examples.size(); i++) {
                String e = examples.get(i);
                String key = e.substring(e.indexOf(": ") + 2, e.indexOf(" after "));
                int partition = Integer.parseInt(key.substring(0, key.indexOf(':')));
                String after = partition + ":" + e.substring(e.indexOf(" after ") + 7);
                examples.set(i, e + " (source holds them " + onSource.getOrDefault(key, 0) + "x and " + onSource.getOrDefault(after, 0)
                    + "x; target log offsets " + targetLog.get(partition).indexOf(key) + " and " + targetLog.get(partition).indexOf(after) + ")");
            }
        }

        /**
         * Scores what a group read against what was acknowledged. A record never read that was
         * written to the target (it is not on the source) before the last forced rollback stayed
         * behind on the target, as the rollback's answer says it may: counted apart, not as lost.
         */
        static Score consumer(String name, Set<String> acked, List<String> consumed, Set<String> onSource, long leftBehindBelow) {
            Score s = new Score(name);
            s.acknowledged = acked.size();
            Set<String> read = new java.util.HashSet<>(consumed);
            for (String a : acked) {
                if (!read.contains(a)) {
                    if (!onSource.contains(a) && sequence(a) < leftBehindBelow) {
                        s.leftBehindByRollback++;
                    } else {
                        s.lost++;
                        s.example("never read " + a);
                    }
                }
            }
            // Read again after a switch or rollback (allowed: uncommitted at the switch, or translation slack).
            s.duplicates = consumed.size() - read.size();
            Map<Integer, List<String>> byPartition = new HashMap<>();
            consumed.forEach(k -> byPartition.computeIfAbsent(Integer.parseInt(k.substring(0, k.indexOf(':'))), p -> new ArrayList<>()).add(k));
            s.reorderings = reorderings(byPartition, "read", s.examples);
            return s;
        }

        private void example(String e) {
            if (examples.size() < 10) {
                examples.add(e);
            }
        }

        private static Map<String, Integer> counts(Map<Integer, List<String>> log) {
            Map<String, Integer> counts = new HashMap<>();
            log.values().forEach(values -> values.forEach(v -> counts.merge(v, 1, Integer::sum)));
            return counts;
        }

        /** Per partition and producer, first occurrences whose sequence is lower than the one before. */
        private static long reorderings(Map<Integer, List<String>> log, String where, List<String> examples) {
            long n = 0;
            for (List<String> values : log.values()) {
                Map<String, Long> last = new HashMap<>();
                Set<String> seen = new java.util.HashSet<>();
                for (String v : values) {
                    if (!seen.add(v)) {
                        continue;
                    }
                    String producer = producerOf(v);
                    long seq = sequence(v);
                    Long prev = last.put(producer, seq);
                    if (prev != null && seq < prev) {
                        n++;
                        if (examples.size() < 10) {
                            examples.add("out of order on " + where + ": " + v + " after " + producer + "-" + prev);
                        }
                    }
                }
            }
            return n;
        }

        String line(double maxWritePauseMs) {
            return String.format("SOAK-SCOREBOARD %-28s acknowledged=%d lost=%d duplicates=%d replicationDuplicates=%d reorderings=%d "
                    + "leftOnTargetByForcedRollback=%d clientRestarts=%d maxWritePauseMs=%.1f maxClientStallMs=%.1f%s", name, acknowledged, lost,
                duplicates, replicationDuplicates, reorderings, leftBehindByRollback, restarts, maxWritePauseMs, maxStallMs, examples.isEmpty() ? "" : " examples=" + examples);
        }
    }

    /**
     * An idempotent producer (acks=all) writing numbered records round-robin over its topics, every
     * {@code everyMillis} ms (the load's pace, not a synchronisation); keeps, per acknowledged record,
     * its partition, its send time and how long its acknowledgement took.
     */
    static final class SequencedProducer implements AutoCloseable {
        record Ack(String topic, String key, long sentNanos, long latencyNanos) {
        }

        private final List<String> topics;
        private final ConcurrentLinkedQueue<Ack> acked = new ConcurrentLinkedQueue<>();
        private final AtomicInteger ackedCount = new AtomicInteger();
        private final AtomicLong sent = new AtomicLong();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread thread;
        private volatile boolean running = true;

        SequencedProducer(String bootstrap, String name, List<String> topics, long everyMillis) {
            this.topics = List.copyOf(topics);
            thread = new Thread(() -> {
                try (KafkaProducer<String, String> p = Clients.producer(bootstrap, Map.of(ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.CLIENT_ID_CONFIG, name, ProducerConfig.LINGER_MS_CONFIG, 0,
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000, ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500))) {
                    for (long n = 0; running; n++) {
                        String topic = this.topics.get((int) (n % this.topics.size()));
                        String value = name + "-" + n;
                        this.sent.set(n + 1);
                        long sent = System.nanoTime();
                        p.send(new ProducerRecord<>(topic, "k" + (n % 11), value), (md, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
                            } else {
                                acked.add(new Ack(topic, md.partition() + ":" + value, sent, System.nanoTime() - sent));
                                ackedCount.incrementAndGet();
                            }
                        });
                        Thread.sleep(everyMillis);
                    }
                    p.flush();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "soak-producer-" + name);
            thread.start();
        }

        List<String> topics() {
            return topics;
        }

        int ackedCount() {
            return ackedCount.get();
        }

        /** How many records were handed to the producer so far: every later one has a higher sequence. */
        long sent() {
            return sent.get();
        }

        Set<String> ackedKeys(String topic) {
            Set<String> keys = new java.util.HashSet<>();
            acked.forEach(a -> {
                if (a.topic().equals(topic)) {
                    keys.add(a.key());
                }
            });
            return keys;
        }

        /** The longest acknowledgement wait of a record sent between the two instants (System.nanoTime). */
        double maxLatencyMs(long from, long to) {
            return acked.stream().filter(a -> a.sentNanos() >= from && a.sentNanos() <= to).mapToLong(Ack::latencyNanos).max().orElse(0) / 1e6;
        }

        Throwable failure() {
            return failure.get();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(150_000);
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }

    /**
     * A transactional producer committing a transaction of 3 records every 20 ms or so. An abortable
     * error aborts the transaction (its records must stay invisible to read_committed); an error the
     * producer cannot abort after (a timed-out commit, a fatal error) closes it and starts a new one
     * with the same transactional.id, whose initTransactions settles the transaction left behind:
     * that transaction's records are in doubt (committed or not, never twice).
     */
    static final class TransactionalLoad implements AutoCloseable {
        private final Set<String> committed = Collections.synchronizedSet(new java.util.HashSet<>());
        private final Set<String> aborted = Collections.synchronizedSet(new java.util.HashSet<>());
        private final AtomicInteger committedTransactions = new AtomicInteger();
        private final AtomicInteger inDoubt = new AtomicInteger();
        private final AtomicInteger restarts = new AtomicInteger();
        private final AtomicLong maxTransactionNanos = new AtomicLong();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread thread;
        private volatile boolean running = true;

        TransactionalLoad(String bootstrap, String topic, String transactionalId) {
            thread = new Thread(() -> run(bootstrap, topic, transactionalId), "soak-transactions");
            thread.start();
        }

        private KafkaProducer<String, String> open(String bootstrap, String transactionalId) {
            KafkaProducer<String, String> p = Clients.producer(bootstrap, Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.CLIENT_ID_CONFIG, "txn", ProducerConfig.LINGER_MS_CONFIG, 0, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 120_000, ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500));
            p.initTransactions();
            return p;
        }

        private void run(String bootstrap, String topic, String transactionalId) {
            long sequence = 0;
            KafkaProducer<String, String> producer = null;
            try {
                producer = open(bootstrap, transactionalId);
                while (running) {
                    List<String> keys = new ArrayList<>();
                    long began = System.nanoTime();
                    try {
                        producer.beginTransaction();
                        for (int i = 0; i < 3; i++) {
                            int partition = (int) (sequence % PARTITIONS);
                            String value = "txn-" + sequence++;
                            keys.add(partition + ":" + value);
                            producer.send(new ProducerRecord<>(topic, partition, null, value));
                        }
                        producer.commitTransaction();
                        committed.addAll(keys);
                        committedTransactions.incrementAndGet();
                        maxTransactionNanos.accumulateAndGet(System.nanoTime() - began, Math::max);
                    } catch (KafkaException e) {
                        try {
                            producer.abortTransaction();
                            aborted.addAll(keys);
                        } catch (KafkaException cannotAbort) {
                            // A timed-out commit or a fatal error: a new producer with the same id settles it.
                            inDoubt.addAndGet(keys.size());
                            producer.close(Duration.ofSeconds(5));
                            restarts.incrementAndGet();
                            producer = open(bootstrap, transactionalId);
                        }
                    }
                    Thread.sleep(20); // the load's pace
                }
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                if (producer != null) {
                    producer.close(Duration.ofSeconds(5));
                }
            }
        }

        int committedCount() {
            return committedTransactions.get();
        }

        Set<String> committedKeys() {
            synchronized (committed) {
                return Set.copyOf(committed);
            }
        }

        Set<String> abortedKeys() {
            synchronized (aborted) {
                return Set.copyOf(aborted);
            }
        }

        int inDoubt() {
            return inDoubt.get();
        }

        int restarts() {
            return restarts.get();
        }

        double maxTransactionMs() {
            return maxTransactionNanos.get() / 1e6;
        }

        Throwable failure() {
            return failure.get();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(150_000);
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }
}
