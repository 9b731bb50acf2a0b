package io.cutover.proxy.server.security;

import io.cutover.proxy.server.concurrent.DaemonScheduler;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.lang.JoseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public keys OAUTHBEARER tokens must be signed with, from the identity provider's JWKS
 * document (a file or a URL), kept fresh off the login path: read again every refresh interval,
 * and soon after a token names a key id the set does not hold (the provider rotated its keys).
 * Logins never wait for a fetch: a token signed with a key not yet fetched is refused, and the
 * client's next login finds it. A fetch that fails, or a document that does not parse, keeps the
 * keys held, so a provider's outage refuses no token that was good before it.
 */
public final class JwksKeys implements AutoCloseable {
    /** Reads the JWKS document once. */
    @FunctionalInterface
    interface Source {
        String read() throws IOException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(JwksKeys.class);
    /** The least time between two fetches asked for by unknown key ids: a client cannot make the proxy hammer its provider. */
    static final Duration MIN_GAP = Duration.ofSeconds(30);

    private final String origin;
    private final Source source;
    private final LongSupplier nanoClock;
    private final AtomicReference<List<JsonWebKey>> keys = new AtomicReference<>(List.of());
    private final AtomicBoolean fetchAsked = new AtomicBoolean();
    /** When an unknown key id last had the document fetched: the first one may at once (a rotation right after start). */
    private final AtomicLong lastAskedNanos;
    private final ScheduledExecutorService refresher;

    JwksKeys(String origin, Source source, Duration refresh, LongSupplier nanoClock, ScheduledExecutorService refresher)
        throws IOException {
        this.origin = origin;
        this.source = source;
        this.nanoClock = nanoClock;
        this.refresher = refresher;
        List<JsonWebKey> first = parse(source.read());
        keys.set(first);
        lastAskedNanos = new AtomicLong(nanoClock.getAsLong() - MIN_GAP.toNanos());
        LOG.info("OAUTHBEARER: {} key(s) from the JWKS {}, read again every {}", first.size(), origin, refresh);
        if (refresher != null && !refresh.isZero()) {
            refresher.scheduleWithFixedDelay(this::fetch, refresh.toMillis(), refresh.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** The keys of a JWKS file, read again every {@code refresh} (zero: read once). */
    public static JwksKeys file(Path file, Duration refresh) throws IOException {
        return start("file " + file, () -> Files.readString(file), refresh);
    }

    /**
     * The keys a JWKS URL serves (http or https; https trusts the JVM's default CAs), fetched at
     * once (a failure stops the start: no token could be checked) and every {@code refresh}.
     */
    public static JwksKeys url(URI url, Duration refresh, Duration timeout) throws IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
        Source fetch = () -> {
            HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout).header("Accept", "application/json").GET().build();
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new IOException("answered HTTP " + r.statusCode());
                }
                return r.body();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        };
        return start("URL " + url, fetch, refresh);
    }

    private static JwksKeys start(String origin, Source source, Duration refresh) throws IOException {
        ScheduledExecutorService refresher = DaemonScheduler.named("cutover-jwks-refresh");
        try {
            return new JwksKeys(origin, source, refresh, System::nanoTime, refresher);
        } catch (IOException | RuntimeException e) {
            refresher.shutdownNow();
            throw e;
        }
    }

    /** The keys held now. */
    public List<JsonWebKey> current() {
        return keys.get();
    }

    /** Where the keys come from, for refusals and logs ("file /etc/...", "URL https://..."). */
    public String origin() {
        return origin;
    }

    /**
     * A token named a key id the keys held lack: fetches the document again soon, unless a fetch
     * is already asked for or an unknown key id asked for one less than {@link #MIN_GAP} ago.
     */
    public void unknownKey() {
        long now = nanoClock.getAsLong();
        long last = lastAskedNanos.get();
        if (refresher == null || now - last < MIN_GAP.toNanos() || !lastAskedNanos.compareAndSet(last, now)) {
            return;
        }
        if (fetchAsked.compareAndSet(false, true)) {
            refresher.execute(() -> {
                try {
                    fetch();
                } finally {
                    fetchAsked.set(false);
                }
            });
        }
    }

    /** Reads the document and takes its keys; keeps the keys held when that fails. */
    void fetch() {
        try {
            List<JsonWebKey> fresh = parse(source.read());
            List<JsonWebKey> before = keys.getAndSet(fresh);
            if (!ids(before).equals(ids(fresh))) {
                LOG.info("OAUTHBEARER: the JWKS {} changed, now key ids {} (were {})", origin, ids(fresh), ids(before));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("OAUTHBEARER: cannot read the JWKS {} ({}); keeping the {} key(s) held", origin, e.getMessage(), keys.get().size());
        }
    }

    private static List<String> ids(List<JsonWebKey> keys) {
        return keys.stream().map(k -> String.valueOf(k.getKeyId())).sorted().toList();
    }

    private List<JsonWebKey> parse(String document) throws IOException {
        try {
            List<JsonWebKey> parsed = new JsonWebKeySet(document).getJsonWebKeys();
            if (parsed.isEmpty()) {
                throw new IOException("the JWKS " + origin + " holds no key");
            }
            return List.copyOf(parsed);
        } catch (JoseException e) {
            throw new IOException("the " + origin + " is not a JWKS document: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (refresher != null) {
            refresher.shutdownNow();
        }
    }
}
