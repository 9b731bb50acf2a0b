package io.cutover.proxy.core.wave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.state.CorruptStateException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import io.cutover.proxy.core.testing.SmallDisk;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSwitchJournalTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");

    @TempDir
    Path dir;

    @Test
    void noFileMeansNoSwitchInProgress() {
        assertTrue(new FileSwitchJournal(dir).inProgress().isEmpty());
    }

    @Test
    void eachStepIsReadBackAsRecordedWithWhatTheSwitchKnew() {
        FileSwitchJournal journal = new FileSwitchJournal(dir);
        SwitchJournal j = SwitchJournal.intent("orders", true, false, "alice", T0);
        journal.record(j, true);
        assertEquals(SwitchStep.INTENT, journal.inProgress().orElseThrow().step());

        ObjectNode report = JSON.createObjectNode().put("drainMs", 1.5);
        j = j.at(SwitchStep.FENCED, T0.plusMillis(10), report, null)
            .at(SwitchStep.GROUPS_CARRIED, T0.plusMillis(20), report, Map.of("orders-0", 42L, "orders-1", 7L));
        journal.record(j, true);

        SwitchJournal back = new FileSwitchJournal(dir).inProgress().orElseThrow();
        assertEquals("orders", back.wave());
        assertTrue(back.forward());
        assertEquals("alice", back.who());
        assertEquals(SwitchStep.GROUPS_CARRIED, back.step());
        assertFalse(back.mayHaveFlipped());
        assertEquals(Map.of("orders-0", 42L, "orders-1", 7L), back.targetEnds());
        assertEquals(1.5, back.report().get("drainMs").asDouble());
        assertEquals(T0.plusMillis(10), back.stepsAt().get("fenced"));
        assertTrue(back.at(SwitchStep.FLIPPED, T0, null, null).mayHaveFlipped());
    }

    @Test
    void finishingClosesTheEntryAndKeepsHowItEnded() throws Exception {
        FileSwitchJournal journal = new FileSwitchJournal(dir);
        SwitchJournal j = SwitchJournal.intent("orders", false, true, "bob", T0);
        journal.record(j, true);
        journal.finish(j, "aborted", T0.plusSeconds(1));
        assertTrue(journal.inProgress().isEmpty());
        JsonNode root = JSON.readTree(Files.readAllBytes(journal.file()));
        assertEquals("aborted", root.get("last").get("outcome").asText());
        assertEquals("rollback", root.get("last").get("operation").asText());

        // The next switch keeps the last one's ending beside it.
        journal.record(SwitchJournal.intent("orders", true, false, "bob", T0.plusSeconds(2)), false);
        assertEquals("switch", journal.inProgress().orElseThrow().operation());
        assertEquals(2, Files.readAllLines(journal.file()).size(), "the next switch appends after the last one's ending");
        journal.finish(journal.inProgress().orElseThrow(), "switched", T0.plusSeconds(3));
        assertEquals(1, Files.readAllLines(journal.file()).size(), "an ending compacts the file to itself");
    }

    @Test
    void aTornLastLineIsTheAppendTheProcessDiedInAndTheStepBeforeItStands() throws Exception {
        FileSwitchJournal journal = new FileSwitchJournal(dir);
        SwitchJournal j = SwitchJournal.intent("orders", true, false, "a", T0);
        journal.record(j, true);
        journal.record(j.at(SwitchStep.FENCED, T0, null, null), false);
        Files.writeString(journal.file(), "{\"inProgress\": {\"wave\": \"ord", java.nio.file.StandardOpenOption.APPEND);
        assertEquals(SwitchStep.FENCED, journal.inProgress().orElseThrow().step());
    }

    @Test
    void aStepAppendedAfterATornOneIsReadBack() throws Exception {
        FileSwitchJournal journal = new FileSwitchJournal(dir);
        SwitchJournal j = SwitchJournal.intent("orders", true, false, "a", T0);
        journal.record(j, true);
        Files.writeString(journal.file(), "{\"inProgress\": {\"wave\": \"ord", java.nio.file.StandardOpenOption.APPEND);
        // The process that tore the line was restarted; the switch goes on from the step before it.
        journal.record(j.at(SwitchStep.FENCED, T0, null, null), false);
        journal.record(j.at(SwitchStep.SYNCED, T0, null, null), false);
        assertEquals(SwitchStep.SYNCED, new FileSwitchJournal(dir).inProgress().orElseThrow().step(),
            "a fragment left behind would have made the lines after it unreadable");
    }

    @Test
    void aStepAFullDiskRefusedLeavesNothingThatSpoilsTheNext() throws Exception {
        Assumptions.assumeTrue(SmallDisk.available(), () -> "needs a tmpfs mount: " + SmallDisk.unavailableBecause());
        try (SmallDisk disk = SmallDisk.mount(1 << 20)) {
            FileSwitchJournal journal = new FileSwitchJournal(disk.dir());
            SwitchJournal j = SwitchJournal.intent("orders", true, false, "a", T0);
            journal.record(j, true);
            disk.fill();
            // A report large enough to need blocks the disk no longer has, whatever room the file's last block keeps.
            ObjectNode report = JSON.createObjectNode().put("padding", "x".repeat(20_000));
            assertThrows(java.io.UncheckedIOException.class, () -> journal.record(j.at(SwitchStep.FENCED, T0, report, null), false));
            assertEquals(SwitchStep.INTENT, journal.inProgress().orElseThrow().step());
            disk.free();
            journal.record(j.at(SwitchStep.FENCED, T0, null, null), false);
            journal.record(j.at(SwitchStep.SYNCED, T0, null, null), false);
            assertEquals(SwitchStep.SYNCED, new FileSwitchJournal(disk.dir()).inProgress().orElseThrow().step());
            assertEquals(3, Files.readAllLines(journal.file()).size(), "intent, fenced, synced and nothing else");
        }
    }

    @Test
    void aStepNeverGoesBack() {
        SwitchJournal j = SwitchJournal.intent("orders", true, false, "a", T0).at(SwitchStep.SYNCED, T0, null, null);
        assertThrows(IllegalArgumentException.class, () -> j.at(SwitchStep.FENCED, T0, null, null));
    }

    @Test
    void aCorruptJournalStopsTheStartNamingTheFile() throws Exception {
        Files.writeString(dir.resolve(FileSwitchJournal.FILE_NAME), "{\"inProgress\": {\"wave\": \"x\", \"operation\": \"sideways\"}}\n");
        CorruptStateException e = assertThrows(CorruptStateException.class, () -> new FileSwitchJournal(dir).inProgress());
        assertTrue(e.getMessage().contains(FileSwitchJournal.FILE_NAME), e.getMessage());
        Files.writeString(dir.resolve(FileSwitchJournal.FILE_NAME), "{not json\n{\"last\": {}}\n");
        assertThrows(CorruptStateException.class, () -> new FileSwitchJournal(dir).inProgress(), "a bad line before the last is corruption");
    }
}
