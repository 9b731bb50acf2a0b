package io.cutover.proxy.server.config;

import java.nio.file.Path;

/** A certificate chain and its private key: the proxy's own identity in a TLS handshake. */
public sealed interface KeyMaterial {
    /** PEM files: the chain (leaf first) and a PKCS#8 key, encrypted when {@code keyPassword} is set. */
    record Pem(Path certificateChain, Path privateKey, Secret keyPassword) implements KeyMaterial {
    }

    /** A PKCS12 or JKS key store holding one key entry; its password also unlocks the key. */
    record Store(Path file, String type, Secret password) implements KeyMaterial {
    }
}
