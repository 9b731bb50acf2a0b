package io.cutover.proxy.server.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;

/**
 * A throwaway certificate authority and certificates signed by it, made in the test JVM at test time
 * (no key material lives in the repository). Each leaf is valid for localhost and 127.0.0.1 and
 * comes as a PKCS12 key store and as PEM files (chain, PKCS#8 key), so tests can use either form.
 *
 * <p>The certificates are encoded here with a few lines of DER rather than by running keytool: on
 * these shared machines each keytool process took about 5 s under load, and a CA with four leaves
 * needs over twenty of them.
 */
public final class TestCertificates {
    public static final String PASSWORD = "test-store-secret";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static TestCertificates shared;

    private final Path dir;
    private final KeyPair caKeys;
    private final X509Certificate ca;

    /** One leaf: its key store, its PEM chain and key, and its serial number to recognise it by. */
    public record Leaf(String name, Path keyStore, Path certificatePem, Path keyPem, BigInteger serial) {
    }

    private TestCertificates(Path dir) throws GeneralSecurityException, IOException {
        this.dir = dir;
        this.caKeys = keyPair();
        this.ca = certificate("cutover-test-ca", null, caKeys, caKeys, "cutover-test-ca", true, List.of());
        Files.writeString(caPem(), pem("CERTIFICATE", ca.getEncoded()), StandardCharsets.US_ASCII);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        store(trust, trustStore());
    }

    /** The shared CA (made on first use). */
    public static synchronized TestCertificates shared() {
        if (shared == null) {
            try {
                shared = new TestCertificates(Files.createTempDirectory("cutover-test-pki"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
        return shared;
    }

    public Path dir() {
        return dir;
    }

    /** The CA certificate as PEM: what a trusting side's ca-file points at. */
    public Path caPem() {
        return dir.resolve("ca.pem");
    }

    /** A PKCS12 trust store holding the CA (password {@link #PASSWORD}). */
    public Path trustStore() {
        return dir.resolve("truststore.p12");
    }

    /** A new leaf certificate signed by the CA, for localhost and 127.0.0.1, with {@code name} as its organisation. */
    public Leaf leaf(String name) {
        return leaf(name, List.of());
    }

    /**
     * As {@link #leaf(String)}, valid for {@code dnsNames} too (subject alternative names; a wildcard
     * such as {@code *.kafka.test} covers one label).
     */
    public synchronized Leaf leaf(String name, List<String> dnsNames) {
        try {
            KeyPair keys = keyPair();
            X509Certificate cert = certificate("localhost", name, keys, caKeys, "cutover-test-ca", false, dnsNames);
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry(name, keys.getPrivate(), PASSWORD.toCharArray(), new java.security.cert.Certificate[] {cert, ca});
            Path store = dir.resolve(name + ".p12");
            store(ks, store);
            Path keyPem = dir.resolve(name + ".key.pem");
            Files.writeString(keyPem, pem("PRIVATE KEY", keys.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
            Path chainPem = dir.resolve(name + ".chain.pem");
            Files.writeString(chainPem, pem("CERTIFICATE", cert.getEncoded()) + pem("CERTIFICATE", ca.getEncoded()),
                StandardCharsets.US_ASCII);
            return new Leaf(name, store, chainPem, keyPem, cert.getSerialNumber());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static void store(KeyStore ks, Path file) throws IOException, GeneralSecurityException {
        try (OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, PASSWORD.toCharArray());
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der) + "\n-----END "
            + type + "-----\n";
    }

    // ---- a minimal X.509 v3 encoder (RFC 5280), ECDSA with SHA-256 -----------------------------

    private static final byte[] ECDSA_SHA256 = der(0x30, der(0x06, oid(1, 2, 840, 10045, 4, 3, 2)));

    private static X509Certificate certificate(String cn, String org, KeyPair subject, KeyPair issuerKeys, String issuerCn, boolean isCa,
                                               List<String> dnsNames) throws GeneralSecurityException {
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        byte[] names = cat(der(0x82, "localhost".getBytes(StandardCharsets.US_ASCII)), der(0x87, new byte[] {127, 0, 0, 1}));
        for (String dns : dnsNames) {
            names = cat(names, der(0x82, dns.getBytes(StandardCharsets.US_ASCII)));
        }
        byte[] extensions = isCa
            ? extension(oid(2, 5, 29, 19), true, der(0x30, der(0x01, new byte[] {(byte) 0xff})))
            : extension(oid(2, 5, 29, 17), false, der(0x30, names));
        byte[] tbs = der(0x30, cat(
            der(0xa0, der(0x02, new byte[] {2})),
            der(0x02, new BigInteger(63, RANDOM).add(BigInteger.ONE).toByteArray()),
            ECDSA_SHA256,
            name(issuerCn, null),
            der(0x30, cat(time(now.minusHours(1)), time(now.plusDays(3)))),
            name(cn, org),
            subject.getPublic().getEncoded(),
            der(0xa3, der(0x30, extensions))));
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(issuerKeys.getPrivate());
        s.update(tbs);
        byte[] signature = s.sign();
        byte[] cert = der(0x30, cat(tbs, ECDSA_SHA256, der(0x03, cat(new byte[] {0}, signature))));
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new java.io.ByteArrayInputStream(cert));
    }

    private static byte[] name(String cn, String org) {
        byte[] cnRdn = der(0x31, der(0x30, cat(der(0x06, oid(2, 5, 4, 3)), der(0x0c, cn.getBytes(StandardCharsets.UTF_8)))));
        if (org == null) {
            return der(0x30, cnRdn);
        }
        byte[] oRdn = der(0x31, der(0x30, cat(der(0x06, oid(2, 5, 4, 10)), der(0x0c, org.getBytes(StandardCharsets.UTF_8)))));
        return der(0x30, cat(oRdn, cnRdn));
    }

    private static byte[] time(ZonedDateTime t) {
        return der(0x17, DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").format(t).getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] extension(byte[] oid, boolean critical, byte[] value) {
        return der(0x30, cat(der(0x06, oid), critical ? der(0x01, new byte[] {(byte) 0xff}) : new byte[0], der(0x04, value)));
    }

    private static byte[] oid(int... arcs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(arcs[0] * 40 + arcs[1]);
        for (int i = 2; i < arcs.length; i++) {
            int v = arcs[i];
            int shift = 28;
            while (shift > 0 && (v >>> shift) == 0) {
                shift -= 7;
            }
            for (; shift > 0; shift -= 7) {
                out.write(0x80 | ((v >>> shift) & 0x7f));
            }
            out.write(v & 0x7f);
        }
        return out.toByteArray();
    }

    private static byte[] der(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else {
            out.write(0x82);
            out.write(n >>> 8);
            out.write(n & 0xff);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
