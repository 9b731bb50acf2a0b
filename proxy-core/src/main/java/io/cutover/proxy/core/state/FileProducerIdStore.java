package io.cutover.proxy.core.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.virtual.ProducerIdRecord;
import io.cutover.proxy.core.virtual.ProducerIdStore;
import io.cutover.proxy.core.virtual.TransactionalProducers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ProducerIdStore} as {@code producer-ids.jsonl} in the state directory: an append-only
 * journal, one JSON record per line, each forced to disk before {@link #save} returns.
 *
 * <p>At start the journal is read and compacted (the newest record of each key, written to a temp
 * file, fsynced and renamed over the journal). Only the last line can be torn by a crash (every
 * earlier one was forced before the next was written), so a last line that does not parse is
 * dropped with a warning; any other unreadable line stops the start.
 *
 * <p>Bounded: a producer whose newest record (placement, transactional state or {@code seen}) is
 * older than {@code retention} is dropped at compaction. The proxy writes a {@code seen} record for
 * producers still in use well before that, so only producers idle for the whole retention go. Kafka
 * brokers forget an idle producer's sequences after {@code producer.id.expiration.ms} (1 day by
 * default), so a retention above that loses nothing a broker could still deduplicate.
 */
public final class FileProducerIdStore implements ProducerIdStore {
    public static final String FILE_NAME = "producer-ids.jsonl";
    private static final Logger LOG = LoggerFactory.getLogger(FileProducerIdStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final List<ProducerIdRecord> loaded;
    private final LineAppender journal;

    /** Reads and compacts the journal; throws {@link CorruptStateException} when it cannot be read. */
    public FileProducerIdStore(Path stateDir, Duration retention, Clock clock) {
        this.file = stateDir.resolve(FILE_NAME);
        List<ProducerIdRecord> all = read(file);
        this.loaded = List.copyOf(compact(all, clock.millis() - retention.toMillis()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ProducerIdRecord r : loaded) {
            out.writeBytes(line(r));
        }
        AtomicFiles.write(file, out.toByteArray());
        try {
            this.journal = LineAppender.open(file);
        } catch (IOException e) {
            throw new CorruptStateException(file, "cannot open it for appending: " + e, e);
        }
        if (all.size() != loaded.size()) {
            LOG.info("producer id journal {}: {} records compacted to {}", file, all.size(), loaded.size());
        }
    }

    @Override
    public List<ProducerIdRecord> load() {
        return loaded;
    }

    @Override
    public void save(ProducerIdRecord record) throws IOException {
        // The durability point: a mapping is used only after this returns. A save refused part-way
        // (a full disk) leaves nothing behind that would spoil the next one.
        journal.append(line(record), true);
    }

    /** Closes the journal (every record is on disk already). */
    public void close() {
        try {
            journal.close();
        } catch (IOException e) {
            LOG.warn("cannot close {}: {}", file, e.toString());
        }
    }

    /** The newest record of each key, oldest first, without producers last seen before {@code expiredBefore}. */
    static List<ProducerIdRecord> compact(List<ProducerIdRecord> records, long expiredBefore) {
        Map<String, ProducerIdRecord> newest = new LinkedHashMap<>();
        Map<Long, Long> lastSeen = new HashMap<>();
        for (ProducerIdRecord r : records) {
            String key = ProducerIdStore.keyOf(r);
            newest.remove(key);
            newest.put(key, r);
            lastSeen.merge(producerId(r), r.at(), Math::max);
        }
        Map<String, Long> transactionalSeen = new HashMap<>();
        for (ProducerIdRecord r : newest.values()) {
            if (r instanceof ProducerIdRecord.Transactional t) {
                transactionalSeen.put(t.transactionalId(), Math.max(t.at(), lastSeen.getOrDefault(t.producerId(), t.at())));
            }
        }
        for (Iterator<ProducerIdRecord> it = newest.values().iterator(); it.hasNext(); ) {
            ProducerIdRecord r = it.next();
            long seen = r instanceof ProducerIdRecord.Transactional t ? transactionalSeen.get(t.transactionalId())
                : lastSeen.get(producerId(r));
            if (seen < expiredBefore) {
                it.remove();
            }
        }
        return new ArrayList<>(newest.values());
    }

    private static long producerId(ProducerIdRecord r) {
        if (r instanceof ProducerIdRecord.Placement p) {
            return p.producerId();
        }
        if (r instanceof ProducerIdRecord.Seen s) {
            return s.producerId();
        }
        return ((ProducerIdRecord.Transactional) r).producerId();
    }

    private static List<ProducerIdRecord> read(Path file) {
        byte[] bytes = AtomicFiles.readIfPresent(file);
        if (bytes == null) {
            return List.of();
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        // After the last '\n' there is either nothing or a line a crash cut short.
        String tail = lines.remove(lines.size() - 1);
        if (!tail.isEmpty()) {
            LOG.warn("producer id journal {}: ignoring an incomplete last line (the proxy stopped while writing it)", file);
        }
        List<ProducerIdRecord> records = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.isBlank()) {
                continue;
            }
            try {
                records.add(parse(JSON.readTree(l)));
            } catch (IOException | RuntimeException e) {
                if (i == lines.size() - 1 && tail.isEmpty()) {
                    LOG.warn("producer id journal {}: ignoring an unreadable last line (the proxy stopped while writing it): {}",
                        file, e.getMessage());
                    continue;
                }
                throw new CorruptStateException(file, "line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return records;
    }

    static byte[] line(ProducerIdRecord r) {
        return (json(r).toString() + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** A record as the journal and the fleet's state topic hold it. */
    public static ObjectNode json(ProducerIdRecord r) {
        ObjectNode n = JSON.createObjectNode();
        if (r instanceof ProducerIdRecord.Placement p) {
            n.put("type", "placement").put("producerId", p.producerId()).put("topic", p.topic()).put("cluster", p.cluster())
                .put("realId", p.realId());
            if (p.generation() > 0) {
                n.put("generation", p.generation());
            }
        } else if (r instanceof ProducerIdRecord.Seen s) {
            n.put("type", "seen").put("producerId", s.producerId());
        } else {
            ProducerIdRecord.Transactional t = (ProducerIdRecord.Transactional) r;
            n.put("type", "transactional").put("transactionalId", t.transactionalId()).put("producerId", t.producerId())
                .put("epoch", t.epoch()).put("timeoutMs", t.timeoutMs());
            ObjectNode real = n.putObject("real");
            t.real().forEach((cluster, id) -> real.putObject(cluster).put("producerId", id.producerId())
                .put("epochOffset", id.epochOffset()));
        }
        n.put("at", r.at());
        return n;
    }

    /** Reads {@link #json}'s form; IllegalArgumentException when a field is missing or the type unknown. */
    public static ProducerIdRecord parse(JsonNode n) {
        long at = required(n, "at").asLong();
        String type = required(n, "type").asText();
        switch (type) {
            case "placement" -> {
                return new ProducerIdRecord.Placement(required(n, "producerId").asLong(), required(n, "topic").asText(),
                    required(n, "cluster").asText(), required(n, "realId").asLong(), at, n.path("generation").asInt(0));
            }
            case "seen" -> {
                return new ProducerIdRecord.Seen(required(n, "producerId").asLong(), at);
            }
            case "transactional" -> {
                Map<String, TransactionalProducers.Real> real = new LinkedHashMap<>();
                required(n, "real").fields().forEachRemaining(e -> real.put(e.getKey(),
                    new TransactionalProducers.Real(required(e.getValue(), "producerId").asLong(),
                        required(e.getValue(), "epochOffset").asInt())));
                return new ProducerIdRecord.Transactional(required(n, "transactionalId").asText(), required(n, "producerId").asLong(),
                    (short) required(n, "epoch").asInt(), required(n, "timeoutMs").asInt(), real, at);
            }
            default -> throw new IllegalArgumentException("unknown record type '" + type + "'");
        }
    }

    private static JsonNode required(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("missing field '" + field + "'");
        }
        return v;
    }
}
