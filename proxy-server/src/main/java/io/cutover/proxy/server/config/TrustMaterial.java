package io.cutover.proxy.server.config;

import java.nio.file.Path;

/** The certificate authorities a TLS peer's certificate must chain to. */
public sealed interface TrustMaterial {
    /** A PEM file of one or more CA certificates. */
    record Pem(Path caBundle) implements TrustMaterial {
    }

    /** A PKCS12 or JKS trust store. */
    record Store(Path file, String type, Secret password) implements TrustMaterial {
    }
}
