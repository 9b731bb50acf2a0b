package io.cutover.proxy.server.wave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.core.routing.Routes;
import io.cutover.proxy.core.service.Outcome;
import io.cutover.proxy.core.service.WaveService;
import io.cutover.proxy.core.service.WaveSpec;
import io.cutover.proxy.core.state.AuditLog;
import io.cutover.proxy.core.state.FileRouteStore;
import io.cutover.proxy.core.wave.FileSwitchJournal;
import io.cutover.proxy.core.wave.FileWaveStore;
import io.cutover.proxy.core.wave.Wave;
import io.cutover.proxy.core.wave.WaveState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wave service's outcomes for what needs no cluster: creating, reading and the state machine's
 * refusals. (Gates, switches and rollbacks that move clients run against real brokers in the it tests.)
 */
class WaveControllerTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-04T18:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path state;

    private WaveController controller() {
        return new WaveController(new FileWaveStore(state), new FileSwitchJournal(state), new AuditLog(state, CLOCK), CLOCK,
            new Routes(new FileRouteStore(state), List.of("source", "target")), null, null, new SimpleMeterRegistry());
    }

    private static WaveSpec spec(String name, List<String> topics, List<String> groups) {
        return new WaveSpec(name, topics, groups, ClientSelector.ANY);
    }

    private static Wave value(Outcome<Wave> o) {
        return (Wave) assertInstanceOf(Outcome.Accepted.class, o).value();
    }

    @Test
    void aCreatedWaveIsPlannedSavedAndAudited() throws Exception {
        WaveController waves = controller();

        Wave w = value(waves.create(spec("w1", List.of("orders"), List.of("billing")), "alice"));

        assertEquals(WaveState.PLANNED, w.state());
        assertEquals(List.of("orders"), w.topics());
        assertEquals(w, value(waves.get("w1")));
        assertEquals(List.of(w), waves.list());
        assertEquals("w1", controller().list().get(0).name(), "saved before it is answered");
        assertTrue(Files.readString(state.resolve(AuditLog.FILE_NAME)).contains("\"action\":\"create-wave\""));
    }

    @Test
    void aWaveTheConstructorRefusesIsInvalidNamingTheField() {
        WaveController waves = controller();

        Outcome.Invalid<?> noTopics = assertInstanceOf(Outcome.Invalid.class, waves.create(spec("w1", List.of(), List.of()), "alice"));
        assertEquals("topics", noTopics.field());
        assertEquals("topics: a wave moves at least one topic", noTopics.reason());

        Outcome.Invalid<?> badName = assertInstanceOf(Outcome.Invalid.class, waves.create(spec("no spaces", List.of("a"), List.of()), "alice"));
        assertEquals("name", badName.field());
        assertTrue(waves.list().isEmpty());
    }

    @Test
    void aSecondWaveWithTheSameNameOrTopicsOrGroupsIsAConflict() {
        WaveController waves = controller();
        value(waves.create(spec("w1", List.of("orders"), List.of("billing")), "alice"));

        Outcome.Conflict<?> sameName = assertInstanceOf(Outcome.Conflict.class, waves.create(spec("w1", List.of("other"), List.of()), "bob"));
        assertEquals("a wave named w1 exists already", sameName.reason());
        assertNull(sameName.current());

        Outcome.Conflict<?> sameTopic = assertInstanceOf(Outcome.Conflict.class, waves.create(spec("w2", List.of("orders"), List.of()), "bob"));
        assertEquals("wave w1 (PLANNED) already moves topics [orders]; a topic or group belongs to one wave", sameTopic.reason());

        Outcome.Conflict<?> sameGroup = assertInstanceOf(Outcome.Conflict.class,
            waves.create(spec("w3", List.of("payments"), List.of("billing")), "bob"));
        assertTrue(sameGroup.reason().contains(" groups [billing]"), sameGroup.reason());
        assertEquals(1, waves.list().size());
    }

    @Test
    void anUnknownWaveIsNotFoundForEveryOperation() {
        WaveController waves = controller();
        List<Outcome<?>> outcomes = List.of(waves.get("nope"), waves.check("nope", "a"), waves.switchWave("nope", false, "a"),
            waves.rollback("nope", false, "a"), waves.promote("nope", "a"), waves.rehearse("nope", false, null, "a"),
            waves.scorecard("nope"), waves.scorecardText("nope"));
        for (Outcome<?> o : outcomes) {
            Outcome.NotFound<?> n = assertInstanceOf(Outcome.NotFound.class, o);
            assertEquals("wave", n.kind());
            assertEquals("nope", n.name());
        }
    }

    @Test
    void theStateMachineRefusesOutOfOrderStepsShowingTheWave() {
        WaveController waves = controller();
        Wave planned = value(waves.create(spec("w1", List.of("orders"), List.of()), "alice"));

        Outcome.Conflict<?> sw = assertInstanceOf(Outcome.Conflict.class, waves.switchWave("w1", false, "alice"));
        assertEquals("wave w1 is PLANNED; only a READY wave switches; check the wave first", sw.reason());
        assertEquals(planned, sw.current());
        assertNull(sw.evidence());

        Outcome.Conflict<?> rb = assertInstanceOf(Outcome.Conflict.class, waves.rollback("w1", true, "alice"));
        assertEquals("wave w1 is PLANNED; only a SWITCHED wave rolls back", rb.reason());
        Outcome.Conflict<?> pr = assertInstanceOf(Outcome.Conflict.class, waves.promote("w1", "alice"));
        assertEquals("wave w1 is PLANNED; only a SWITCHED wave is promoted", pr.reason());
        assertSame(planned, value(waves.get("w1")), "a refusal changes nothing");

        Outcome.Conflict<?> rehearse = assertInstanceOf(Outcome.Conflict.class, waves.rehearse("w1", false, null, "alice"));
        assertEquals("rehearsals need captures and a target cluster", rehearse.reason());
    }

    @Test
    void aSwitchedWaveIsPromotedAndThenNeverRolledBack() {
        Wave switched = Wave.planned("w1", List.of("orders"), List.of(), ClientSelector.ANY, CLOCK.instant(), "alice")
            .to(WaveState.SWITCHED, CLOCK.instant(), "alice", "switched");
        new FileWaveStore(state).save(List.of(switched));
        WaveController waves = controller();

        Wave promoted = value(waves.promote("w1", "bob"));
        assertEquals(WaveState.PROMOTED, promoted.state());

        Outcome.Conflict<?> rb = assertInstanceOf(Outcome.Conflict.class, waves.rollback("w1", true, "bob"));
        assertEquals("wave w1 is PROMOTED: " + WaveService.NO_RETURN, rb.reason());
        assertEquals(promoted, rb.current());
        assertEquals(WaveState.PROMOTED, controller().list().get(0).state(), "the promotion was saved");
    }
}
