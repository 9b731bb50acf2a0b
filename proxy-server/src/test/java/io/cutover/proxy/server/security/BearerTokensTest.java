package io.cutover.proxy.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.concurrent.DaemonScheduler;
import io.cutover.proxy.server.testkit.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** When the proxy's OAUTHBEARER tokens are fetched, kept and refused, on a clock the test moves. */
class BearerTokensTest {
    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final AtomicInteger fetches = new AtomicInteger();
    private final AtomicReference<IOException> failure = new AtomicReference<>();
    private final ScheduledExecutorService scheduler = DaemonScheduler.named("bearer-tokens-test");

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    /** Tokens valid 100 s from the fetch, unless the test makes the provider fail. */
    private BearerTokens.Token fetch(long now) throws IOException {
        if (failure.get() != null) {
            throw failure.get();
        }
        fetches.incrementAndGet();
        return new BearerTokens.Token("token-" + fetches.get(), "svc", now, now + 100_000);
    }

    private BearerTokens tokens() {
        return new BearerTokens("client svc at https://idp", "svc", this::fetch, scheduler, clock::get);
    }

    @Test
    void theFirstAskStartsTheFetchingAndALoginUsesWhatIsHeld() throws Exception {
        BearerTokens t = tokens();
        assertEquals(0, fetches.get(), "nothing is fetched before a token is asked for");
        t.now();
        BearerTokens.Token held = Await.until("a token is held", Duration.ofSeconds(10), t::now, x -> x != null);
        assertEquals("token-1", held.value());
    }

    @Test
    void aTokenDueForRefreshIsFetchedAgainAndAnExpiredOneIsNeverHandedOut() throws Exception {
        BearerTokens t = tokens();
        assertEquals("token-1", t.fresh().value());
        clock.addAndGet(79_000);
        assertEquals("token-1", t.fresh().value(), "before 80% of its life the token stays");
        clock.addAndGet(2_000);
        assertEquals("token-2", t.fresh().value(), "past 80% a new one is fetched");

        failure.set(new IOException("the token endpoint answered HTTP 503"));
        clock.addAndGet(90_000);
        assertThrows(IOException.class, t::fresh);
        assertEquals("token-2", t.now().value(), "a failed fetch keeps the held token while it is valid");
        clock.addAndGet(20_000);
        assertNull(t.now(), "an expired token is not handed out");
        assertTrue(t.lastFailure().contains("HTTP 503") && t.lastFailure().contains("client svc at https://idp"), t.lastFailure());

        failure.set(null);
        assertEquals("token-3", t.fresh().value());
        assertNotNull(t.now());
    }

    @Test
    void anAnswerWithoutExpiresInTakesTheJwtsExpAndOneWithNeitherIsRefused() throws Exception {
        String payload = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"sub\":\"svc-subject\",\"exp\":2000}"
            .getBytes(StandardCharsets.UTF_8));
        BearerTokens.Token fromJwt = BearerTokens.Token.of("h." + payload + ".s", null, 1_000_000, "svc");
        assertEquals(2_000_000, fromJwt.expiresMs());
        assertEquals("svc-subject", fromJwt.principal());
        BearerTokens.Token fromAnswer = BearerTokens.Token.of("opaque", 60L, 1_000_000, "svc");
        assertEquals(1_060_000, fromAnswer.expiresMs());
        assertEquals("svc", fromAnswer.principal(), "an opaque token is named after its client");
        assertTrue(assertThrows(IOException.class, () -> BearerTokens.Token.of("opaque", null, 1_000_000, "svc")).getMessage()
            .contains("neither expires_in"));
        assertTrue(assertThrows(IOException.class, () -> BearerTokens.Token.of("h." + payload + ".s", null, 3_000_000, "svc"))
            .getMessage().contains("already expired"));
        assertTrue(assertThrows(IOException.class, () -> BearerTokens.Token.of(null, 60L, 1_000_000, "svc")).getMessage()
            .contains("no access_token"));
        assertTrue(!fromJwt.toString().contains(fromJwt.value()), "a token prints without its value");
    }
}
