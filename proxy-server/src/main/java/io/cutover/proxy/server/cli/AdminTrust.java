package io.cutover.proxy.server.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** The CAs ctl trusts for an https:// admin endpoint (admin.tls) whose certificate the JVM's own CAs do not cover: a PEM bundle. */
final class AdminTrust {
    static final String CA_ENV = "CUTOVER_ADMIN_CA";

    private AdminTrust() {
    }

    static SSLContext fromPem(Path caFile) throws CtlFailure {
        try (InputStream in = Files.newInputStream(caFile)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca-" + i++, c);
            }
            if (i == 0) {
                throw CtlFailure.usage("the CA file " + caFile + " holds no PEM certificate", CtlCommand.USAGE);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);
            return tls;
        } catch (IOException | GeneralSecurityException e) {
            throw CtlFailure.usage("cannot read the CA file " + caFile + ": " + e.getMessage(), CtlCommand.USAGE);
        }
    }
}
