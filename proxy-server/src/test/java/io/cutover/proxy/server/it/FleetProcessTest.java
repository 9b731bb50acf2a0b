package io.cutover.proxy.server.it;

import static io.cutover.proxy.server.it.WaveSwitchTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.core.state.Failpoints;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.Haproxy;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.MirrorMakerProcess;
import io.cutover.proxy.server.testkit.ProxyProcess;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.WaveWorkload;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Three proxy processes in a fleet behind haproxy in TCP mode, in front of a source and a target
 * cluster with MirrorMaker 2 as a separate process. Idempotent producers, a transactional producer
 * and consumer groups of both protocols connect through the balancer, so each client's connections
 * are spread over the instances. Under that load: a switch and a rollback coordinated over the fleet, the switching
 * instance killed (SIGKILL semantics) at every step of its switch, an instance killed while it holds
 * the wave's writes for another's switch, and a rolling restart of all three
 * by SIGTERM; before all that, two operators race route writes through two instances. Afterwards no
 * acknowledged record is lost, none is on a cluster twice or out of its producer's order, no client
 * failed, and the groups read everything; every committed transaction's records are visible to read_committed once, and
 * no aborted one's.
 */
@ExtendWith(KafkaClusterExtension.class)
class FleetProcessTest {
    private static final int INSTANCES = 3;
    private static final int PARTITIONS = WaveSwitchTest.PARTITIONS;
    /** The switch journal's steps and crash points, in order; from routes-written on, the flip had happened. */
    private static final List<String> CRASH_STEPS =
        List.of("intent", "fenced", "synced", "groups-carried", "flipped", "routes-written", "released", "wave-saved");
    private static final Set<String> AFTER_FLIP = Set.of("routes-written", "released", "wave-saved");

    /** The steps this run printed, with when, so a client's failure can be placed among them. */
    private final List<Map.Entry<java.time.Instant, String>> phases = new java.util.concurrent.CopyOnWriteArrayList<>();

    private void phase(String text) {
        phases.add(Map.entry(java.time.Instant.now(), text));
        System.out.println("FLEET-PROC " + text);
    }

    /** "at T, during <step>": the last step printed before the workload's first failure. */
    private String whenFailed(WaveWorkload w) {
        java.time.Instant at = w.failedAt();
        String during = "the start";
        for (Map.Entry<java.time.Instant, String> p : phases) {
            if (at != null && !p.getKey().isAfter(at)) {
                during = p.getValue();
            }
        }
        return "at " + at + ", during \"" + during + "\" (steps: " + phases.stream()
            .map(p -> p.getKey().toString().substring(11, 19) + " " + p.getValue().split(",")[0]).toList() + ")";
    }

    /**
     * The whole run. Each producer's records also stay in order in every partition and no client
     * fails at all: the first-sequence guard holds over the fleet, so a producer whose batches of a
     * partition reach the cluster joined through two instances after a coordinator's kill is neither
     * reordered nor stranded there (docs/fleet.md, "Order and identity after a coordinator's crash").
     */
    @Test
    @Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
    void switchesKillsAndARollingRestartBehindABalancerLoseNothingWriteNothingTwiceAndKeepEachProducersOrder(
        EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        run(source, target);
    }

    /**
     * Two operators write the route table through two instances at the same moment, both from the
     * version they read: exactly one wins, the other is refused (412), and every instance then serves
     * the winner's table. The rules name topics no client writes, and a last write removes them.
     */
    private void operatorsRace(ProxyProcess one, ProxyProcess other, String prefix) throws Exception {
        for (int r = 0; r < 5; r++) {
            int round = r;
            JsonNode before = json(one.send("GET", "/routes", null));
            long version = before.path("version").asLong();
            Await.until("both at route table version " + version, Duration.ofSeconds(30),
                () -> json(other.send("GET", "/routes", null)).path("version").asLong() == version);
            String ifMatch = "\"" + version + "\"";
            CountDownLatch go = new CountDownLatch(1);
            CompletableFuture<HttpResponse<String>> viaOne = CompletableFuture.supplyAsync(() -> {
                awaitQuietly(go);
                return one.send("PUT", "/routes", prefixRule(prefix + "-one-" + round, "target"), Map.of("If-Match", ifMatch));
            });
            CompletableFuture<HttpResponse<String>> viaOther = CompletableFuture.supplyAsync(() -> {
                awaitQuietly(go);
                return other.send("PUT", "/routes", prefixRule(prefix + "-other-" + round, "target"), Map.of("If-Match", ifMatch));
            });
            go.countDown();
            HttpResponse<String> a = viaOne.get(60, TimeUnit.SECONDS);
            HttpResponse<String> b = viaOther.get(60, TimeUnit.SECONDS);
            List<Integer> codes = new ArrayList<>(List.of(a.statusCode(), b.statusCode()));
            Collections.sort(codes);
            assertEquals(List.of(200, 412), codes, "round " + round + ": one winner, one refusal: " + a.body() + " / " + b.body());
            JsonNode winner = json(a.statusCode() == 200 ? a : b);
            assertEquals(version + 1, winner.path("version").asLong());
            Await.until("both instances serve the winner's table", Duration.ofSeconds(30),
                () -> json(one.send("GET", "/routes", null)).equals(winner) && json(other.send("GET", "/routes", null)).equals(winner));
        }
        long version = json(one.send("GET", "/routes", null)).path("version").asLong();
        HttpResponse<String> cleared = one.send("PUT", "/routes", "{\"rules\":[]}", Map.of("If-Match", "\"" + version + "\""));
        assertEquals(200, cleared.statusCode(), cleared.body());
        phase("operators raced 5 times through two instances: one 200 and one 412 each time");
    }

    private static String prefixRule(String topicPrefix, String cluster) {
        return "{\"rules\":[{\"resource\":\"topic\",\"match\":\"prefix\",\"pattern\":\"" + topicPrefix + "\",\"cluster\":\""
            + cluster + "\"}]}";
    }

    private static void awaitQuietly(CountDownLatch go) {
        try {
            go.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run(EmbeddedKafkaCluster source, EmbeddedKafkaCluster target) throws Exception {
        String topic = Clients.unique("fleet-proc");
        String classic = Clients.unique("fleet-proc-classic");
        String modern = Clients.unique("fleet-proc-848");
        String txnTopic = topic + "-txn";
        String stateTopic = Clients.unique("fleet-proc-state");
        String wave = "orders";
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            io.cutover.proxy.server.testkit.Topics.create(admin, new NewTopic(topic, PARTITIONS, (short) 1),
                new NewTopic(txnTopic, PARTITIONS, (short) 1));
        }
        int advertised = RunningProxy.nextPortRange();
        List<Path> failpoints = new ArrayList<>();
        List<ProxyProcess> fleet = new ArrayList<>();
        List<Haproxy.Backend> backends = new ArrayList<>();
        try (MirrorMakerProcess mm = MirrorMakerProcess.start(source.bootstrapServers(), target.bootstrapServers(), topic + ".*")) {
            for (int i = 0; i < INSTANCES; i++) {
                Path armed = Files.createTempFile("cutover-fleet-failpoints", ".txt");
                failpoints.add(armed);
                String id = "p" + i;
                fleet.add(ProxyProcess.start(source.bootstrapServers(), target.bootstrapServers(), first -> {
                    Map<String, Object> o = new HashMap<>();
                    // Every instance advertises the balancer's ports and binds its own, as on hosts of their own.
                    o.put("listener.bootstrap-port", advertised);
                    o.put("listener.broker-ports.first", advertised + 1);
                    o.put("listener.broker-ports.last", advertised + 37);
                    o.put("listener.bind-port-offset", first - advertised);
                    o.put("fleet.enabled", true);
                    o.put("fleet.instance-id", id);
                    o.put("fleet.state-topic", stateTopic);
                    o.put("fleet.replication-factor", 1);
                    o.put("fleet.min-insync-replicas", 1);
                    o.put("fleet.heartbeat-interval", "500 ms");
                    o.put("fleet.drain-period", "2 seconds");
                    o.put("waves.mirrormaker2.offset-syncs-topic", mm.offsetSyncsTopic());
                    o.put("waves.max-ready-lag", 500);
                    backends.add(new Haproxy.Backend(id, first - advertised, first + 38));
                    return o;
                }, Map.of("cutover.failpoints.file", armed.toString())));
            }
            ProxyProcess p0 = fleet.get(0);
            ProxyProcess p1 = fleet.get(1);
            ProxyProcess p2 = fleet.get(2);
            awaitFleet(fleet);
            operatorsRace(p0, p2, topic + "-race");
            try (Haproxy balancer = Haproxy.start(advertised, advertised + 37, backends);
                 WaveWorkload load = new WaveWorkload(balancer.bootstrapServers(), topic);
                 WaveWorkload load2 = new WaveWorkload(balancer.bootstrapServers(), topic);
                 SoakTest.TransactionalLoad txn = new SoakTest.TransactionalLoad(balancer.bootstrapServers(), txnTopic,
                     Clients.unique("fleet-proc-txn-id"))) {
                load.produce("app-a", 5).consume(classic, "classic");
                load2.produce("app-b", 5).consume(modern, "consumer");
                Await.until("traffic through the balancer", Duration.ofSeconds(90), () -> load.ackedCount() > 200 && load2.ackedCount() > 200
                    && txn.committedCount() > 5 && !load.consumed(classic).isEmpty() && !load2.consumed(modern).isEmpty());

                assertEquals(201, p0.send("POST", "/waves", "{\"name\":\"" + wave + "\",\"topics\":[\"" + topic + "\",\"" + txnTopic + "\"],\"groups\":[\""
                    + classic + "\",\"" + modern + "\"]}").statusCode());
                awaitReady(p0, wave);

                // A switch through p1 holds the writes of p0 and p2 before it flips; a rollback through p2.
                HttpResponse<String> switched = p1.send("POST", "/waves/" + wave + "/switch", null);
                assertEquals(200, switched.statusCode(), switched.body());
                JsonNode report = json(switched).get("lastSwitch");
                phase("switch " + report.path("writePauseMs") + " ms, fleet " + report.path("fleet"));
                assertTrue(report.path("fleet").path("heldAfterMs").has("p0") && report.path("fleet").path("heldAfterMs").has("p2"),
                    report.toString());
                awaitAgreement(fleet, wave, topic, "target");
                forcedRollback(p2, wave, load, load2, classic, modern);
                awaitAgreement(fleet, wave, topic, "source");

                // The switching instance killed at each step: before its flip undone, after it completed when it
                // starts again, and on every instance alike; never half.
                for (String step : CRASH_STEPS) {
                    awaitReady(p0, wave);
                    phase("crash at " + step + ", app-b acknowledged " + load2.ackedCount());
                    String outcome = crashSwitch(p0, failpoints.get(0), "switch." + step, wave);
                    assertEquals(AFTER_FLIP.contains(step) ? "completed" : "undone", outcome, "coordinator killed at " + step);
                    awaitFleet(fleet);
                    awaitAgreement(fleet, wave, topic, outcome.equals("completed") ? "target" : "source");
                    if (outcome.equals("completed")) {
                        forcedRollback(p1, wave, load, load2, classic, modern);
                        awaitAgreement(fleet, wave, topic, "source");
                    }
                }

                // The switching instance killed after its flip and not started again: the others settle its switch
                // from its journal in the state topic (the wave SWITCHED, as the routes say), without waiting for it.
                awaitReady(p0, wave);
                phase("orphaned switch, app-b acknowledged " + load2.ackedCount());
                Files.writeString(failpoints.get(0), "switch.routes-written");
                try {
                    HttpResponse<String> r = p0.send("POST", "/waves/" + wave + "/switch", null);
                    throw new AssertionError("answered " + r.statusCode() + " instead of halting: " + r.body());
                } catch (UncheckedIOException expected) {
                    // the connection died with the process
                }
                assertEquals(Failpoints.EXIT_STATUS, p0.awaitExit(Duration.ofSeconds(30)), "p0 halted after its flip");
                Files.writeString(failpoints.get(0), "");
                try {
                    awaitAgreement(List.of(p1, p2), wave, topic, "target");
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "\np1:\n" + p1.tail(40) + "\np2:\n" + p2.tail(40), e);
                }
                p0.restart();
                awaitFleet(fleet);
                awaitAgreement(fleet, wave, topic, "target");
                forcedRollback(p1, wave, load, load2, classic, modern);
                awaitAgreement(fleet, wave, topic, "source");

                // An instance that is not switching, killed while it holds the wave's writes before acknowledging
                // them: the switch aborts (its writes were never released towards the target), and goes through once
                // that instance is back.
                awaitReady(p1, wave);
                phase("peer killed, app-b acknowledged " + load2.ackedCount());
                Files.writeString(failpoints.get(2), "peer-fence.drained");
                HttpResponse<String> aborted = p1.send("POST", "/waves/" + wave + "/switch", null);
                assertEquals(409, aborted.statusCode(), aborted.body());
                assertTrue(aborted.body().contains("p2"), "the abort names the instance: " + aborted.body());
                assertEquals(Failpoints.EXIT_STATUS, p2.awaitExit(Duration.ofSeconds(30)), "p2 halted holding the fence");
                Files.writeString(failpoints.get(2), "");
                p2.restart();
                awaitFleet(fleet);
                awaitAgreement(fleet, wave, topic, "source");
                awaitReady(p1, wave);
                phase("switch again, app-b acknowledged " + load2.ackedCount());
                HttpResponse<String> again = p1.send("POST", "/waves/" + wave + "/switch", null);
                assertEquals(200, again.statusCode(), again.body());
                awaitAgreement(fleet, wave, topic, "target");

                // A rolling restart of every instance, each drained by SIGTERM, under load.
                for (ProxyProcess p : fleet) {
                    phase("restart " + p.bootstrapServers() + ", app-b acknowledged " + load2.ackedCount());
                    int before = load.ackedCount() + load2.ackedCount();
                    p.terminate();
                    assertEquals(0, p.awaitExit(Duration.ofSeconds(60)), "a drained instance exits 0:\n" + p.tail(20));
                    p.restart();
                    awaitFleet(fleet);
                    Await.until("writes go on through the balancer", Duration.ofSeconds(60),
                        () -> load.ackedCount() + load2.ackedCount() > before + 200);
                }

                load.stopProducing();
                load2.stopProducing();
                txn.stop();
                try {
                    Await.until("both groups read every acknowledged record", Duration.ofSeconds(180),
                        () -> readAll(load, classic, load, load2) && readAll(load2, modern, load, load2));
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + ": acknowledged " + load.ackedCount() + " / " + load2.ackedCount()
                        + ", read " + new HashSet<>(load.consumed(classic)).size() + " / " + new HashSet<>(load2.consumed(modern)).size()
                        + "; producer failures " + load.failure() + " / " + load2.failure(), e);
                }
                for (WaveWorkload w : List.of(load, load2)) {
                    assertNull(w.consumerFailure(), () -> "consumer failure " + whenFailed(w) + ": " + w.consumerFailure());
                    Throwable f = w.failure();
                    if (f != null) {
                        throw new AssertionError("client failure " + whenFailed(w) + ": " + f, f);
                    }
                }

                // Every acknowledged record is on a cluster (the source, or the target for what was
                // written while switched), and no cluster holds one twice.
                Set<String> stored = new HashSet<>();
                int[] reorderings = {0};
                for (EmbeddedKafkaCluster cluster : List.of(source, target)) {
                    for (Map.Entry<Integer, List<String>> part : WaveSwitchTest.log(cluster.bootstrapServers(), topic).entrySet()) {
                        List<String> values = part.getValue();
                        assertEquals(new HashSet<>(values).size(), values.size(), () -> cluster.name() + " " + topic + "-" + part.getKey()
                            + ": a record written twice: " + twice(values));
                        reorderings[0] += outOfOrder(values);
                        assertInProducerOrder(values, cluster.name() + " " + topic + "-" + part.getKey());
                        values.forEach(v -> stored.add(part.getKey() + ":" + v));
                    }
                }
                List<String> lost = new ArrayList<>();
                for (WaveWorkload w : List.of(load, load2)) {
                    w.acked().forEach(a -> {
                        if (!stored.contains(a.partition() + ":" + a.value())) {
                            lost.add(a.value());
                        }
                    });
                }
                assertTrue(lost.isEmpty(), lost.size() + " acknowledged records on neither cluster: " + lost.subList(0, Math.min(10, lost.size())));
                phase("acknowledged " + (load.ackedCount() + load2.ackedCount()) + ", lost 0, written twice 0, "
                    + "out of producer order " + reorderings[0] + "; polls that threw for a lost membership: classic "
                    + load.pollErrors(classic) + ", KIP-848 " + load2.pollErrors(modern));

                // The transactional application recovered from every kill the normal way (abort, or a new
                // producer with its transactional.id): each committed record is visible once, and no aborted one.
                assertNull(txn.failure(), () -> "transactional producer failed: " + txn.failure());
                Set<String> visible = new HashSet<>();
                Set<String> visibleOnSource = new HashSet<>();
                for (EmbeddedKafkaCluster cluster : List.of(source, target)) {
                    for (Map.Entry<Integer, List<String>> part : SoakTest.log(cluster, txnTopic, true).entrySet()) {
                        List<String> values = part.getValue();
                        assertEquals(new HashSet<>(values).size(), values.size(), cluster.name() + " " + txnTopic + "-" + part.getKey()
                            + ": a committed record twice");
                        visible.addAll(values);
                        if (cluster == source) {
                            visibleOnSource.addAll(values);
                        }
                    }
                }
                List<String> missing = txn.committedKeys().stream().filter(k -> !visible.contains(k)).sorted().toList();
                assertTrue(missing.isEmpty(), missing.size() + " committed transactional records visible on neither cluster: "
                    + missing.subList(0, Math.min(10, missing.size())));
                // On the source only: MirrorMaker 2 copies to the target as plain records whatever it reads.
                List<String> abortedVisible = txn.abortedKeys().stream().filter(visibleOnSource::contains).sorted().toList();
                assertTrue(abortedVisible.isEmpty(), "aborted transactional records visible to read_committed on the source: " + abortedVisible);
                phase("transactions: committed records " + txn.committedKeys().size() + ", aborted "
                    + txn.abortedKeys().size() + ", in doubt " + txn.inDoubt() + ", producer restarts " + txn.restarts()
                    + "; missing 0, aborted visible 0");
            }
        } finally {
            fleet.forEach(ProxyProcess::close);
        }
    }

    /**
     * A rollback after records were written to the target needs force, and leaves on the target what
     * the groups had not read by then (nothing copies it back). So, as an operator would, the writes
     * pause and the groups read everything first; then the rollback, then the writes go on.
     */
    private void forcedRollback(ProxyProcess via, String wave, WaveWorkload load, WaveWorkload load2, String classic,
                                       String modern) {
        load.pauseProducing();
        load2.pauseProducing();
        phase("forced rollback via " + via.bootstrapServers() + ", app-b acknowledged " + load2.ackedCount());
        try {
            Await.until("the groups read everything acknowledged before the rollback", Duration.ofSeconds(120),
                () -> readAll(load, classic, load, load2) && readAll(load2, modern, load, load2));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ": classic group " + unread(load, classic, load, load2) + "; KIP-848 group "
                + unread(load2, modern, load, load2) + "; consumer failures " + load.consumerFailure() + " / " + load2.consumerFailure(), e);
        }
        HttpResponse<String> r = via.send("POST", "/waves/" + wave + "/rollback", "{\"force\":true}");
        assertEquals(200, r.statusCode(), r.body());
        load.resumeProducing();
        load2.resumeProducing();
    }

    /** Whether {@code group} (consuming in {@code reader}) has read every record the {@code writers} had acknowledged. */
    private static boolean readAll(WaveWorkload reader, String group, WaveWorkload... writers) {
        Set<String> got = new HashSet<>(reader.consumed(group));
        for (WaveWorkload w : writers) {
            for (WaveWorkload.Acked a : w.acked()) {
                if (!got.contains(a.partition() + ":" + a.value())) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The acknowledged records {@code group} has not read: how many, and the first few. */
    private static String unread(WaveWorkload reader, String group, WaveWorkload... writers) {
        Set<String> got = new HashSet<>(reader.consumed(group));
        List<String> missing = new ArrayList<>();
        for (WaveWorkload w : writers) {
            for (WaveWorkload.Acked a : w.acked()) {
                if (!got.contains(a.partition() + ":" + a.value())) {
                    missing.add(a.partition() + ":" + a.value());
                }
            }
        }
        return missing.size() + " acknowledged records unread of " + got.size() + " read "
            + missing.subList(0, Math.min(10, missing.size()));
    }

    /** Each value found more than once, with the positions it is at and its neighbours there (the first few). */
    private static String twice(List<String> values) {
        Map<String, List<Integer>> at = new HashMap<>();
        for (int i = 0; i < values.size(); i++) {
            at.computeIfAbsent(values.get(i), v -> new ArrayList<>()).add(i);
        }
        List<String> out = new ArrayList<>();
        at.forEach((v, positions) -> {
            if (positions.size() > 1 && out.size() < 10) {
                List<String> around = new ArrayList<>();
                for (int p : positions) {
                    around.add(p + " " + values.subList(Math.max(0, p - 2), Math.min(values.size(), p + 3)));
                }
                out.add(v + " at " + around);
            }
        });
        return out.toString();
    }

    /** How many records come after a higher-numbered one of the same producer. */
    private static int outOfOrder(List<String> values) {
        Map<String, Long> last = new HashMap<>();
        int n = 0;
        for (String v : values) {
            int dash = v.lastIndexOf('-');
            long i = Long.parseLong(v.substring(dash + 1));
            Long before = last.merge(v.substring(0, dash), i, Math::max);
            n += before != null && before > i ? 1 : 0;
        }
        return n;
    }

    /** Each producer numbers its records ("app-a-17"): within a partition its numbers only grow. */
    private static void assertInProducerOrder(List<String> values, String where) {
        Map<String, Long> last = new HashMap<>();
        for (String v : values) {
            int dash = v.lastIndexOf('-');
            String producer = v.substring(0, dash);
            long n = Long.parseLong(v.substring(dash + 1));
            Long before = last.put(producer, n);
            assertTrue(before == null || n > before, () -> where + ": " + v + " after " + producer + "-" + before + "; around it: "
                + values.subList(Math.max(0, values.indexOf(v) - 40), Math.min(values.size(), values.indexOf(v) + 5)));
        }
    }

    /** Every instance is up, and the first lists all of them live. */
    private static void awaitFleet(List<ProxyProcess> fleet) {
        Await.until("all " + fleet.size() + " instances live", Duration.ofSeconds(60), () -> {
            try {
                return json(fleet.get(0).send("GET", "/fleet", null)).path("live").asInt() == fleet.size();
            } catch (UncheckedIOException e) {
                return false;
            }
        });
    }

    private static void awaitReady(ProxyProcess p, String wave) {
        Await.until("wave " + wave + " READY", Duration.ofSeconds(90),
            () -> json(p.send("POST", "/waves/" + wave + "/check", null)).path("state").asText().equals("READY"));
    }

    /** On every instance, the wave's state and its routes both say the wave's topic is on {@code cluster}. */
    private static void awaitAgreement(List<ProxyProcess> fleet, String wave, String topic, String cluster) {
        for (ProxyProcess p : fleet) {
            String[] seen = {""};
            try {
                Await.until("instance at " + p.bootstrapServers() + ": wave " + wave + " and routes on " + cluster, Duration.ofSeconds(60),
                    () -> {
                        String state = json(p.send("GET", "/waves/" + wave, null)).path("state").asText();
                        String routed = topicCluster(json(p.send("GET", "/routes", null)), topic);
                        seen[0] = "wave " + state + ", routes to " + routed;
                        return state.equals("SWITCHED") == cluster.equals("target") && routed.equals("target") == cluster.equals("target");
                    });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + " (last seen: " + seen[0] + ")\n" + p.tail(40), e);
            }
        }
    }

    /** The cluster the route table sends {@code topic} to: its literal topic rule's, or the default. */
    private static String topicCluster(JsonNode routes, String topic) {
        for (JsonNode r : routes.path("rules")) {
            if (r.path("resource").asText().equals("topic") && r.path("pattern").asText().equals(topic)) {
                return r.path("cluster").asText();
            }
        }
        return routes.path("defaultCluster").asText();
    }

    /**
     * Arms {@code failpoint} in {@code coordinator}, asks it to switch, sees it halt there, starts it
     * again, and says whether the switch was completed or undone once it settled.
     */
    private static String crashSwitch(ProxyProcess coordinator, Path armed, String failpoint, String wave) throws Exception {
        Files.writeString(armed, failpoint);
        try {
            HttpResponse<String> r = coordinator.send("POST", "/waves/" + wave + "/switch", null);
            throw new AssertionError("answered " + r.statusCode() + " instead of halting at " + failpoint + ": " + r.body());
        } catch (UncheckedIOException expected) {
            // the connection died with the process
        }
        assertEquals(Failpoints.EXIT_STATUS, coordinator.awaitExit(Duration.ofSeconds(30)), "halted at " + failpoint);
        Files.writeString(armed, "");
        coordinator.restart();
        String state = json(coordinator.send("GET", "/waves/" + wave, null)).path("state").asText();
        return state.equals("SWITCHED") ? "completed" : "undone";
    }
}
