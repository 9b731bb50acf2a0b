package io.cutover.proxy.server.security;

import io.cutover.proxy.server.config.KeyMaterial;
import io.cutover.proxy.server.config.ListenerTlsConfig;
import io.cutover.proxy.server.config.TrustMaterial;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS on the proxy's listeners, with certificate rotation: {@link #reloadIfChanged()} (run every
 * listener.tls.reload-interval) re-reads the files once they changed and have stayed unchanged for
 * one interval, so a certificate and key written one after the other are never paired half-way.
 * New handshakes then use the new context; connections already open keep theirs, and none is dropped.
 */
public final class ListenerTls {
    private static final Logger LOG = LoggerFactory.getLogger(ListenerTls.class);
    /** How long a client may take over its TLS handshake before its connection is closed. */
    public static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;

    private final String place;
    private final ListenerTlsConfig config;
    private final TlsEngine engine;
    private final List<Path> files;
    private final AtomicReference<SslContext> current;
    /** The files' stamps the current context was built from; then the last changed stamps seen, and the last that failed. */
    private List<String> loadedStamps;
    private List<String> pendingStamps;
    private List<String> failedStamps;

    private ListenerTls(String place, ListenerTlsConfig config, TlsEngine engine, SslContext context, List<String> stamps) {
        this.place = place;
        this.config = config;
        this.engine = engine;
        this.files = files(config);
        this.current = new AtomicReference<>(context);
        this.loadedStamps = stamps;
    }

    /**
     * Reads the files; a bad certificate or key fails here, at start. {@code place} names it in log
     * lines and metrics: "listener" or "admin".
     */
    public static ListenerTls create(String place, ListenerTlsConfig config, TlsEngine engine)
        throws GeneralSecurityException, IOException {
        List<String> stamps = stamps(files(config));
        ListenerTls tls = new ListenerTls(place, config, engine, SslContexts.server(engine, config), stamps);
        LOG.info("{} TLS on ({}, client-auth {}): {}", place, String.join(", ", config.protocols()),
            config.clientAuth().name().toLowerCase(java.util.Locale.ROOT), Certificates.describe(config.key()));
        LOG.info("{} TLS engine: {}", place, engine.description());
        return tls;
    }

    /**
     * The principal of a client that presented a certificate on {@code session}, by the configured
     * mapping rules; null when it presented none.
     */
    public String principalOf(javax.net.ssl.SSLSession session) {
        try {
            java.security.cert.Certificate[] peer = session.getPeerCertificates();
            if (peer.length == 0 || !(peer[0] instanceof java.security.cert.X509Certificate cert)) {
                return null;
            }
            return org.apache.kafka.common.security.ssl.SslPrincipalMapper.fromRules(config().principalMappingRules())
                .getName(cert.getSubjectX500Principal().getName());
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            return null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    public ListenerTlsConfig config() {
        return config;
    }

    /** "listener" or "admin". */
    public String place() {
        return place;
    }

    /** The engine every context here is built with, reloads included. */
    public TlsEngine engine() {
        return engine;
    }

    /** A TLS handler for a new client connection, from the certificate in force now. */
    public SslHandler newHandler(ByteBufAllocator alloc) {
        SslHandler h = current.get().newHandler(alloc);
        h.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS);
        return h;
    }

    /**
     * Builds a new context when the files changed and have settled; keeps the old one (and says why)
     * when the new files do not make a usable one. Called from one thread at a time.
     *
     * @return true when a new context is now in force
     */
    public synchronized boolean reloadIfChanged() {
        List<String> now;
        try {
            now = stamps(files);
        } catch (IOException e) {
            if (!Objects.equals(failedStamps, List.of(e.toString()))) {
                LOG.warn("{} TLS files cannot be read ({}); clients keep getting the certificate loaded before", place, e.toString());
                failedStamps = List.of(e.toString());
            }
            return false;
        }
        if (now.equals(loadedStamps) || now.equals(failedStamps)) {
            pendingStamps = null;
            return false;
        }
        if (!now.equals(pendingStamps)) {
            pendingStamps = now; // changed since the last look: let the writer finish
            return false;
        }
        try {
            current.set(SslContexts.server(engine, config));
            loadedStamps = now;
            pendingStamps = null;
            failedStamps = null;
            LOG.info("{} TLS certificate reloaded; new handshakes use {}", place, Certificates.describe(config.key()));
            return true;
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            failedStamps = now;
            pendingStamps = null;
            LOG.warn("{} TLS files changed but cannot be used ({}); clients keep getting the certificate loaded before",
                place, e.toString());
            return false;
        }
    }

    private static List<Path> files(ListenerTlsConfig config) {
        List<Path> out = new ArrayList<>();
        if (config.key() instanceof KeyMaterial.Pem pem) {
            out.add(pem.certificateChain());
            out.add(pem.privateKey());
        } else if (config.key() instanceof KeyMaterial.Store store) {
            out.add(store.file());
        }
        if (config.clientCa() instanceof TrustMaterial.Pem pem) {
            out.add(pem.caBundle());
        } else if (config.clientCa() instanceof TrustMaterial.Store store) {
            out.add(store.file());
        }
        return List.copyOf(out);
    }

    /** Modification time and size of each file, following symbolic links (as Kubernetes secret mounts swap them). */
    private static List<String> stamps(List<Path> files) throws IOException {
        List<String> out = new ArrayList<>(files.size());
        for (Path f : files) {
            out.add(f + "@" + Files.getLastModifiedTime(f).toMillis() + "/" + Files.size(f));
        }
        return out;
    }
}
