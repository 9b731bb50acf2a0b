package io.cutover.proxy.server.security;

import io.cutover.proxy.server.config.KeyMaterial;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.Iterator;

/** What an operator needs to recognise a certificate in a log line: subject, expiry, file. Never key material. */
final class Certificates {
    private Certificates() {
    }

    static String describe(KeyMaterial key) {
        try {
            X509Certificate leaf;
            String file;
            if (key instanceof KeyMaterial.Pem pem) {
                file = pem.certificateChain().toString();
                try (InputStream in = Files.newInputStream(pem.certificateChain())) {
                    Iterator<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in).iterator();
                    leaf = (X509Certificate) certs.next();
                }
            } else {
                KeyMaterial.Store store = (KeyMaterial.Store) key;
                file = store.file().toString();
                KeyStore ks = KeyStore.getInstance(store.type());
                try (InputStream in = Files.newInputStream(store.file())) {
                    ks.load(in, store.password().value().toCharArray());
                }
                leaf = null;
                for (String alias : Collections.list(ks.aliases())) {
                    if (ks.isKeyEntry(alias)) {
                        leaf = (X509Certificate) ks.getCertificate(alias);
                        break;
                    }
                }
                if (leaf == null) {
                    return file + " (no key entry)";
                }
            }
            return leaf.getSubjectX500Principal().getName() + ", valid until " + leaf.getNotAfter().toInstant() + ", from " + file;
        } catch (Exception e) {
            return "(certificate not readable for display: " + e.getClass().getSimpleName() + ")";
        }
    }
}
