package io.cutover.proxy.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cutover.proxy.server.config.KeyMaterial;
import io.cutover.proxy.server.config.ListenerTlsConfig;
import io.cutover.proxy.server.config.Secret;
import io.cutover.proxy.server.config.TlsEngineChoice;
import io.cutover.proxy.server.config.TrustMaterial;
import io.cutover.proxy.server.testkit.TestCertificates;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.PBEParameterSpec;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real handshakes between the proxy's own contexts, per engine, over an in-memory channel pair: the
 * listener with a PKCS12 key store requiring client certificates from a PKCS12 trust store, the
 * upstream side with an encrypted PEM key and hostname verification. What OpenSSL must do as the
 * JDK's engine does.
 */
class TlsHandshakeTest {
    private static final String KEY_PASSWORD = "pem-key-secret";

    @TempDir
    Path dir;

    private static TlsEngine engine(TlsEngineChoice choice) {
        TlsEngine engine = TlsEngine.resolve(choice == TlsEngineChoice.OPENSSL && !OpenSsl.isAvailable() ? TlsEngineChoice.JDK : choice,
            TlsEngine.NATIVE);
        assumeTrue(choice != TlsEngineChoice.OPENSSL || engine.provider() == SslProvider.OPENSSL, "OpenSSL does not load here");
        return engine;
    }

    /** The leaf's key as an encrypted PKCS#8 PEM file (PBES2, AES-256), as openssl pkcs8 -topk8 -v2 writes it. */
    private Path encryptedKey(TestCertificates.Leaf leaf) throws Exception {
        String pem = Files.readString(leaf.keyPem(), StandardCharsets.US_ASCII);
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der)); // it is the key we think it is
        String algorithm = "PBEWithHmacSHA256AndAES_256";
        byte[] salt = new byte[16];
        new java.security.SecureRandom().nextBytes(salt);
        Cipher cipher = Cipher.getInstance(algorithm);
        cipher.init(Cipher.ENCRYPT_MODE, SecretKeyFactory.getInstance(algorithm).generateSecret(new PBEKeySpec(KEY_PASSWORD.toCharArray())),
            new PBEParameterSpec(salt, 10_000));
        AlgorithmParameters params = cipher.getParameters();
        // Encoded by hand: JDK 17's EncryptedPrivateKeyInfo(AlgorithmParameters, ...) does not know PBES2 by that name.
        byte[] pbes2 = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x05, 0x0d};
        byte[] encrypted = der(0x30, cat(der(0x30, cat(pbes2, params.getEncoded())), der(0x04, cipher.doFinal(der))));
        new EncryptedPrivateKeyInfo(encrypted); // well formed
        Path out = dir.resolve(leaf.name() + ".encrypted.key.pem");
        Files.writeString(out, "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'})
            .encodeToString(encrypted) + "\n-----END ENCRYPTED PRIVATE KEY-----\n", StandardCharsets.US_ASCII);
        return out;
    }

    private static byte[] der(int tag, byte[] content) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(tag);
        if (content.length < 0x80) {
            out.write(content.length);
        } else {
            out.write(0x82);
            out.write(content.length >>> 8);
            out.write(content.length & 0xff);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] cat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static ListenerTls listener(TlsEngine engine, TestCertificates.Leaf server) throws Exception {
        TestCertificates pki = TestCertificates.shared();
        Secret storePassword = Secret.fromClient(TestCertificates.PASSWORD, "test");
        return ListenerTls.create("listener", new ListenerTlsConfig(new KeyMaterial.Store(server.keyStore(), "PKCS12", storePassword),
            new TrustMaterial.Store(pki.trustStore(), "PKCS12", storePassword), ListenerTlsConfig.ClientAuth.REQUIRED,
            List.of("TLSv1.3", "TLSv1.2"), Duration.ofSeconds(30), "RULE:^.*O=([^,]+).*$/$1/,DEFAULT"), engine);
    }

    /** Moves bytes between the two channels until neither has anything left to send. */
    private static void shuttle(EmbeddedChannel a, EmbeddedChannel b) {
        boolean moved = true;
        while (moved) {
            moved = false;
            for (EmbeddedChannel[] pair : new EmbeddedChannel[][] {{a, b}, {b, a}}) {
                ByteBuf buf;
                while ((buf = pair[0].readOutbound()) != null) {
                    pair[1].writeInbound(buf);
                    moved = true;
                }
            }
            a.runPendingTasks();
            b.runPendingTasks();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsEngineChoice.class, names = {"OPENSSL", "JDK"})
    void mutualTlsWithStoresAndAnEncryptedPemKeyYieldsThePrincipal(TlsEngineChoice choice) throws Exception {
        TlsEngine engine = engine(choice);
        TestCertificates pki = TestCertificates.shared();
        TestCertificates.Leaf server = pki.leaf("handshake-server");
        TestCertificates.Leaf client = pki.leaf("handshake-client");
        ListenerTls listener = listener(engine, server);
        SslContext upstream = SslContexts.client(engine, new TrustMaterial.Pem(pki.caPem()),
            new KeyMaterial.Pem(client.certificatePem(), encryptedKey(client), Secret.fromClient(KEY_PASSWORD, "test")), true);

        EmbeddedChannel serverSide = new EmbeddedChannel(listener.newHandler(ByteBufAllocator.DEFAULT));
        EmbeddedChannel clientSide = new EmbeddedChannel(upstream.newHandler(ByteBufAllocator.DEFAULT, "localhost", 9093));
        try {
            shuttle(clientSide, serverSide);
            SslHandler serverTls = serverSide.pipeline().get(SslHandler.class);
            SslHandler clientTls = clientSide.pipeline().get(SslHandler.class);
            assertTrue(serverTls.handshakeFuture().isSuccess(), String.valueOf(serverTls.handshakeFuture().cause()));
            assertTrue(clientTls.handshakeFuture().isSuccess(), String.valueOf(clientTls.handshakeFuture().cause()));
            assertEquals(choice == TlsEngineChoice.OPENSSL, serverTls.engine() instanceof OpenSslEngine, serverTls.engine().toString());
            assertEquals(choice == TlsEngineChoice.OPENSSL, clientTls.engine() instanceof OpenSslEngine, clientTls.engine().toString());
            assertEquals("TLSv1.3", serverTls.engine().getSession().getProtocol());
            assertEquals("handshake-client", listener.principalOf(serverTls.engine().getSession()),
                "the client certificate's subject, mapped by the rules");

            clientSide.writeOutbound(ByteBufAllocator.DEFAULT.buffer().writeBytes("ping".getBytes(StandardCharsets.US_ASCII)));
            shuttle(clientSide, serverSide);
            ByteBuf received = serverSide.readInbound();
            try {
                assertEquals("ping", received.toString(StandardCharsets.US_ASCII));
            } finally {
                received.release();
            }
        } finally {
            clientSide.finishAndReleaseAll();
            serverSide.finishAndReleaseAll();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsEngineChoice.class, names = {"OPENSSL", "JDK"})
    void theUpstreamSideRefusesACertificateForAnotherHost(TlsEngineChoice choice) throws Exception {
        TlsEngine engine = engine(choice);
        TestCertificates pki = TestCertificates.shared();
        ListenerTls listener = ListenerTls.create("listener", new ListenerTlsConfig(new KeyMaterial.Pem(
            pki.leaf("handshake-other-host").certificatePem(), pki.leaf("handshake-other-host").keyPem(), null), null,
            ListenerTlsConfig.ClientAuth.NONE, List.of("TLSv1.3", "TLSv1.2"), Duration.ofSeconds(30)), engine);
        SslContext upstream = SslContexts.client(engine, new TrustMaterial.Pem(pki.caPem()), null, true);

        // The certificate names localhost and 127.0.0.1 only.
        EmbeddedChannel serverSide = new EmbeddedChannel(listener.newHandler(ByteBufAllocator.DEFAULT));
        EmbeddedChannel clientSide = new EmbeddedChannel(upstream.newHandler(ByteBufAllocator.DEFAULT, "broker-1.example.com", 9093));
        SslHandler clientTls = clientSide.pipeline().get(SslHandler.class);
        SslHandler serverTls = serverSide.pipeline().get(SslHandler.class);
        try {
            assertThrows(DecoderException.class, () -> shuttle(clientSide, serverSide), "the client side's handshake fails");
            assertTrue(clientTls.handshakeFuture().isDone(), "the handshake ended");
            assertFalse(clientTls.handshakeFuture().isSuccess(), "a certificate for another host is refused");
            assertInstanceOf(javax.net.ssl.SSLHandshakeException.class, clientTls.handshakeFuture().cause());
            assertFalse(serverTls.handshakeFuture().isSuccess(), "nor did the listener's side complete");
        } finally {
            clientSide.finishAndReleaseAll();
            serverSide.finishAndReleaseAll();
        }
    }
}
