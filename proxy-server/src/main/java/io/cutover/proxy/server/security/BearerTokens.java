package io.cutover.proxy.server.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OAUTHBEARER tokens the proxy logs in to a cluster with, for one OAuth client: fetched from
 * the identity provider and fetched again once 80% of a token's lifetime has passed (as Kafka's own
 * clients do), so a login never has to wait for the provider. A failed fetch is tried again with a
 * growing pause (1 s doubling to 30 s) and keeps the token held while it is valid, so a short outage
 * of the provider costs no login. Logins on an event loop only read what is held ({@link #now});
 * nothing here blocks them.
 */
public final class BearerTokens {
    /** Asks the identity provider for a token. */
    @FunctionalInterface
    interface Fetcher {
        Token fetch(long nowMs) throws IOException;
    }

    /** A token and when it stops being valid; {@code principal} is its subject, for logs only. */
    public record Token(String value, String principal, long issuedMs, long expiresMs) {
        private static final ObjectMapper JSON = new ObjectMapper();

        /**
         * Reads what a token endpoint answered: the lifetime from {@code expires_in} or, when the
         * provider leaves it out, from the token's own {@code exp} claim (tokens are JWTs here).
         */
        static Token of(String value, Long expiresInSeconds, long nowMs, String clientId) throws IOException {
            if (value == null || value.isEmpty()) {
                throw new IOException("the token endpoint's answer holds no access_token");
            }
            JsonNode claims = claims(value);
            long expires;
            if (expiresInSeconds != null && expiresInSeconds > 0) {
                expires = nowMs + TimeUnit.SECONDS.toMillis(expiresInSeconds);
            } else if (claims != null && claims.hasNonNull("exp")) {
                expires = TimeUnit.SECONDS.toMillis(claims.get("exp").asLong());
            } else {
                throw new IOException("the token endpoint's answer says neither expires_in nor, in the token, exp: the proxy cannot "
                    + "tell when to fetch the next one");
            }
            if (expires <= nowMs) {
                throw new IOException("the token endpoint handed out a token that has already expired (check the clocks)");
            }
            String subject = claims != null && claims.hasNonNull("sub") ? claims.get("sub").asText() : clientId;
            return new Token(value, subject, nowMs, expires);
        }

        /** The claims of a JWT, unverified (the cluster verifies); null when the token is not a JWT. */
        private static JsonNode claims(String token) {
            String[] parts = token.split("\\.", -1);
            if (parts.length != 3) {
                return null;
            }
            try {
                return JSON.readTree(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException | IOException e) {
                return null;
            }
        }

        long refreshMs() {
            return issuedMs + (long) ((expiresMs - issuedMs) * 0.8);
        }

        @Override
        public String toString() {
            return "token of " + principal + " valid until " + java.time.Instant.ofEpochMilli(expiresMs);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(BearerTokens.class);
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration MAX_RETRY = Duration.ofSeconds(30);

    private final String origin;
    private final String clientId;
    private final Fetcher fetcher;
    private final ScheduledExecutorService scheduler;
    private final LongSupplier clockMs;
    private final AtomicReference<Token> held = new AtomicReference<>();
    private final AtomicReference<String> lastFailure = new AtomicReference<>("no token fetched yet");
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean closed;
    private long retryMs = FIRST_RETRY.toMillis();

    /** {@code clientId}: whom the proxy expects the broker to see (the access gates judge that name). */
    BearerTokens(String origin, String clientId, Fetcher fetcher, ScheduledExecutorService scheduler, LongSupplier clockMs) {
        this.origin = origin;
        this.clientId = clientId;
        this.fetcher = fetcher;
        this.scheduler = scheduler;
        this.clockMs = clockMs;
    }

    /** Where the tokens come from ("client x at https://..."), safe to log. */
    public String origin() {
        return origin;
    }

    /**
     * The token to log in with now, or null when none is valid: the reason is then
     * {@link #lastFailure()}. The first call starts the fetching, so an OAuth client no login uses
     * costs nothing.
     */
    public Token now() {
        start();
        Token t = held.get();
        return t != null && t.expiresMs() > clockMs.getAsLong() ? t : null;
    }

    /** Why no valid token is held, for an error message. */
    public String lastFailure() {
        String f = lastFailure.get();
        return f != null ? f : "the token from " + origin + " has expired and no new one has come yet";
    }

    /**
     * A token that is not yet due for refresh, fetching one when the held one is: for the login
     * threads of the Kafka clients the proxy runs (never an event loop), which refresh their login
     * on their own schedule.
     */
    public Token fresh() throws IOException {
        start();
        Token t = held.get();
        if (t != null && t.refreshMs() > clockMs.getAsLong()) {
            return t;
        }
        synchronized (this) {
            t = held.get();
            if (t != null && t.refreshMs() > clockMs.getAsLong()) {
                return t;
            }
            fetchOnce();
            return held.get();
        }
    }

    /** Fetches at once (waiting up to {@code wait} for the answer) and keeps fetching in the background; true when a token is held. */
    public boolean startAndWait(Duration wait) {
        if (!started.compareAndSet(false, true)) {
            return now() != null;
        }
        java.util.concurrent.Future<?> first;
        try {
            first = scheduler.submit(this::refresh);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return false;
        }
        try {
            first.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.warn("OAUTHBEARER: no token from {} within {}; logins to the cluster fail until one comes", origin, wait);
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.warn("OAUTHBEARER: fetching a token from {} failed: {}", origin, e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return now() != null;
    }

    private void start() {
        if (started.compareAndSet(false, true)) {
            try {
                scheduler.execute(this::refresh);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // the cluster's security was closed: the proxy stops, no token is fetched any more
            }
        }
    }

    /** One scheduled fetch, and the next one planned from its outcome. */
    private void refresh() {
        if (closed) {
            return;
        }
        long next;
        synchronized (this) {
            Token before = held.get();
            try {
                Token t = before != null && before.refreshMs() > clockMs.getAsLong() ? before : fetchOnce();
                retryMs = FIRST_RETRY.toMillis();
                next = Math.max(t.refreshMs() - clockMs.getAsLong(), FIRST_RETRY.toMillis());
            } catch (IOException | RuntimeException e) {
                next = retryMs;
                retryMs = Math.min(retryMs * 2, MAX_RETRY.toMillis());
            }
        }
        if (!closed) {
            try {
                scheduler.schedule(this::refresh, next, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // the cluster's security was closed: the proxy stops
            }
        }
    }

    /** Fetches one token and holds it; on failure keeps the held one and says why. Called with this locked. */
    private Token fetchOnce() throws IOException {
        try {
            Token t = fetcher.fetch(clockMs.getAsLong());
            Token before = held.getAndSet(t);
            lastFailure.set(null);
            if (before == null) {
                LOG.info("OAUTHBEARER: got a {} from {}", t, origin);
                if (!t.principal().equals(clientId)) {
                    LOG.warn("OAUTHBEARER: the token's subject {} is not the client id {}: a broker using the sub claim sees {}, while "
                        + "the access gates judge {}", t.principal(), clientId, t.principal(), clientId);
                }
            } else if (LOG.isDebugEnabled()) {
                LOG.debug("OAUTHBEARER: refreshed, now a {} from {}", t, origin);
            }
            return t;
        } catch (IOException | RuntimeException e) {
            Token kept = held.get();
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            lastFailure.set("cannot get a token from " + origin + ": " + why);
            LOG.warn("OAUTHBEARER: cannot get a token from {}: {}; {}", origin, why, kept != null && kept.expiresMs() > clockMs.getAsLong()
                ? "the held " + kept + " stays in use" : "logins to the cluster fail until one comes");
            throw e instanceof IOException io ? io : new IOException(why, e);
        }
    }

    void close() {
        closed = true;
    }
}
