package io.cutover.proxy.core.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2024-05-01T10:00:00Z"), ZoneOffset.UTC);

    /** Keeps what it is given, as a copy: a sink must not see another sink's additions. */
    private static final class Kept implements AuditSink {
        final List<JsonNode> records = new ArrayList<>();

        @Override
        public void append(ObjectNode record) {
            records.add(record.deepCopy());
        }
    }

    @Test
    void everySinkGetsTheSameRecordAfterTheLocalFile(@TempDir Path dir) throws Exception {
        Kept first = new Kept();
        Kept second = new Kept();
        AuditLog audit = new AuditLog(dir, CLOCK, List.of(first, second));

        audit.record("alice", "flip", JSON.readTree("{\"version\":1}"), JSON.readTree("{\"version\":2}"));
        audit.record("bob", "create-wave", null, JSON.readTree("{\"wave\":\"w\"}"));

        List<String> lines = Files.readAllLines(dir.resolve(AuditLog.FILE_NAME));
        assertEquals(2, lines.size());
        JsonNode line = JSON.readTree(lines.get(0));
        assertEquals("2024-05-01T10:00:00Z", line.get("time").asText());
        assertEquals("alice", line.get("who").asText());
        assertEquals("flip", line.get("action").asText());
        assertEquals(2, line.get("after").get("version").asInt());
        assertEquals(List.of(line, JSON.readTree(lines.get(1))), first.records);
        assertEquals(first.records, second.records);
    }

    @Test
    void aFailingSinkFailsTheRecordAndTheSinksAfterItNeverSeeIt(@TempDir Path dir) throws Exception {
        AuditSink refusing = record -> {
            throw new UncheckedIOException("cannot append to the audit topic t", new IOException("timed out"));
        };
        Kept after = new Kept();
        AuditLog audit = new AuditLog(dir, CLOCK, List.of(refusing, after));

        UncheckedIOException e = assertThrows(UncheckedIOException.class,
            () -> audit.record("alice", "flip", null, JSON.readTree("{\"version\":2}")));
        assertTrue(e.getMessage().contains("audit topic t"), e.getMessage());
        assertTrue(after.records.isEmpty());
        // The instance's own copy is written first, so the host still has the record the shared trail refused.
        assertEquals(1, Files.readAllLines(dir.resolve(AuditLog.FILE_NAME)).size());
    }

    @Test
    void aFailingLocalFileFailsTheRecordBeforeAnyOtherSink(@TempDir Path dir) throws Exception {
        Path notADirectory = dir.resolve("plain-file");
        Files.writeString(notADirectory, "x");
        Kept topic = new Kept();
        AuditLog audit = new AuditLog(notADirectory, CLOCK, List.of(topic));

        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> audit.record("alice", "flip", null, null));
        assertTrue(e.getMessage().startsWith("cannot append to audit log"), e.getMessage());
        assertTrue(topic.records.isEmpty());
    }
}
