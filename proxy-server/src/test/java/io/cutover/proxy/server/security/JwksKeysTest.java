package io.cutover.proxy.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.junit.jupiter.api.Test;

class JwksKeysTest {
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final AtomicReference<String> document = new AtomicReference<>();
    private final List<String> reads = new ArrayList<>();

    private static String jwks(String... ids) throws Exception {
        List<JsonWebKey> keys = new ArrayList<>();
        for (String id : ids) {
            RsaJsonWebKey k = RsaJwkGenerator.generateJwk(2048);
            k.setKeyId(id);
            keys.add(k);
        }
        return new JsonWebKeySet(keys).toJson();
    }

    /** Runs what the keys hand their refresher at once, on this thread. */
    private JwksKeys keys() throws IOException {
        return new JwksKeys("URL http://idp.test/jwks", () -> {
            String d = document.get();
            reads.add(d);
            if (d == null) {
                throw new IOException("connection refused");
            }
            return d;
        }, Duration.ZERO, clock::get, new InlineScheduler());
    }

    private static List<String> ids(JwksKeys keys) {
        return keys.current().stream().map(JsonWebKey::getKeyId).toList();
    }

    @Test
    void anUnknownKeyIdHasTheJwksReadAgainAtMostOncePerGap() throws Exception {
        document.set(jwks("k1"));
        JwksKeys keys = keys();
        assertEquals(List.of("k1"), ids(keys));
        document.set(jwks("k2"));
        keys.unknownKey();
        assertEquals(List.of("k2"), ids(keys), "the first unknown key id after start is fetched at once");
        keys.unknownKey();
        keys.unknownKey();
        assertEquals(2, reads.size(), "no more reads within the gap, however many tokens name unknown keys");
        clock.addAndGet(JwksKeys.MIN_GAP.toNanos());
        keys.unknownKey();
        assertEquals(3, reads.size());
    }

    @Test
    void aReadThatFailsOrDoesNotParseKeepsTheKeysHeld() throws Exception {
        document.set(jwks("k1"));
        JwksKeys keys = keys();
        document.set(null);
        keys.fetch();
        assertEquals(List.of("k1"), ids(keys), "provider down: the keys held stay");
        document.set("{\"keys\": \"not a list\"}");
        keys.fetch();
        assertEquals(List.of("k1"), ids(keys), "a broken document changes nothing");
        document.set("{\"keys\": []}");
        keys.fetch();
        assertEquals(List.of("k1"), ids(keys), "an empty set would refuse every login: kept");
    }

    @Test
    void aJwksThatCannotBeReadAtStartStopsTheStart() {
        document.set(null);
        IOException e = assertThrows(IOException.class, this::keys);
        assertEquals("connection refused", e.getMessage());
    }

    /** A scheduler that runs executed tasks at once and never runs scheduled ones. */
    private static final class InlineScheduler extends java.util.concurrent.ScheduledThreadPoolExecutor {
        InlineScheduler() {
            super(1);
        }

        @Override
        public void execute(Runnable command) {
            command.run();
        }
    }
}
