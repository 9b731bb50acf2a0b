package io.cutover.proxy.server.security;

import io.cutover.proxy.server.config.KeyMaterial;
import io.cutover.proxy.server.config.ListenerTlsConfig;
import io.cutover.proxy.server.config.TrustMaterial;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * Netty TLS contexts from the configured files, with the engine settled at start ({@link TlsEngine}).
 * Key and trust material is read by the JDK either way (PEM files by Netty, stores by KeyStore), so
 * both engines accept the same files; a context is built once per cluster, and per certificate
 * reload on a listener.
 */
final class SslContexts {
    static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private SslContexts() {
    }

    /** The proxy as a TLS client of a cluster's brokers. */
    static SslContext client(TlsEngine engine, TrustMaterial trust, KeyMaterial key, boolean hostnameVerification)
        throws GeneralSecurityException, IOException {
        SslContextBuilder b = SslContextBuilder.forClient().sslProvider(engine.provider()).protocols(DEFAULT_PROTOCOLS)
            // Checked against the host the proxy dialled (a bootstrap server or the address a broker advertises).
            .endpointIdentificationAlgorithm(hostnameVerification ? "HTTPS" : null);
        if (trust != null) {
            trust(b, trust);
        }
        if (key instanceof KeyMaterial.Pem pem) {
            b.keyManager(pem.certificateChain().toFile(), pem.privateKey().toFile(),
                pem.keyPassword() == null ? null : pem.keyPassword().value());
        } else if (key instanceof KeyMaterial.Store store) {
            b.keyManager(keyManagers(store));
        }
        return b.build();
    }

    /** The proxy as a TLS server to its clients. */
    static SslContext server(TlsEngine engine, ListenerTlsConfig config) throws GeneralSecurityException, IOException {
        SslContextBuilder b;
        if (config.key() instanceof KeyMaterial.Pem pem) {
            b = SslContextBuilder.forServer(pem.certificateChain().toFile(), pem.privateKey().toFile(),
                pem.keyPassword() == null ? null : pem.keyPassword().value());
        } else {
            b = SslContextBuilder.forServer(keyManagers((KeyMaterial.Store) config.key()));
        }
        b.sslProvider(engine.provider()).protocols(config.protocols()).clientAuth(switch (config.clientAuth()) {
            case NONE -> ClientAuth.NONE;
            case REQUESTED -> ClientAuth.OPTIONAL;
            case REQUIRED -> ClientAuth.REQUIRE;
        });
        if (config.clientCa() != null) {
            trust(b, config.clientCa());
        }
        return b.build();
    }

    private static void trust(SslContextBuilder b, TrustMaterial trust) throws GeneralSecurityException, IOException {
        if (trust instanceof TrustMaterial.Pem pem) {
            b.trustManager(pem.caBundle().toFile());
        } else {
            TrustMaterial.Store store = (TrustMaterial.Store) trust;
            KeyStore ks = load(store.file(), store.type(), store.password() == null ? null : store.password().value().toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            b.trustManager(tmf);
        }
    }

    private static KeyManagerFactory keyManagers(KeyMaterial.Store store) throws GeneralSecurityException, IOException {
        char[] password = store.password().value().toCharArray();
        KeyStore ks = load(store.file(), store.type(), password);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        return kmf;
    }

    private static KeyStore load(java.nio.file.Path file, String type, char[] password) throws GeneralSecurityException, IOException {
        KeyStore ks = KeyStore.getInstance(type);
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password);
        }
        return ks;
    }
}
