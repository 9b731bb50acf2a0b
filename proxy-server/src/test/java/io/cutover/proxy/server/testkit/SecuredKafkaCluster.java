package io.cutover.proxy.server.testkit;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

/**
 * A real single-broker cluster whose only client listener is SASL_SSL, with certificates from
 * {@link TestCertificates}: SCRAM-SHA-512 for the proxy's user (created through the Admin API, as an
 * operator would) and PLAIN for the broker's own admin user, which the broker also uses to talk to
 * itself. Started through {@link EmbeddedKafkaCluster}, like every other test cluster.
 */
public final class SecuredKafkaCluster implements AutoCloseable {
    public static final String ADMIN = "admin";
    public static final String ADMIN_PASSWORD = "admin-plain-secret";
    public static final String PROXY_USER = "cutover-proxy";
    public static final String PROXY_PASSWORD = "proxy-scram-secret";
    public static final String PLAIN_PROXY_USER = "plain-proxy";
    public static final String PLAIN_PROXY_PASSWORD = "proxy-plain-secret";

    private final EmbeddedKafkaCluster cluster;
    private final TestCertificates pki;

    private SecuredKafkaCluster(EmbeddedKafkaCluster cluster, TestCertificates pki) {
        this.cluster = cluster;
        this.pki = pki;
    }

    public static SecuredKafkaCluster start(String name) throws Exception {
        return start(name, false);
    }

    /**
     * With {@code authorizer}, the broker checks ACLs (StandardAuthorizer): the broker's admin user and
     * the controller's plaintext listener are super users; the proxy's user may do only what a test
     * grants it.
     */
    public static SecuredKafkaCluster start(String name, boolean authorizer) throws Exception {
        TestCertificates pki = TestCertificates.shared();
        TestCertificates.Leaf broker = pki.leaf(name + "-broker");
        Map<String, String> c = new HashMap<>();
        // The test kit only builds PLAINTEXT listeners; its listener (EXTERNAL) is made SASL_SSL here.
        c.put("listener.security.protocol.map", "EXTERNAL:SASL_SSL,CONTROLLER:PLAINTEXT");
        c.put("sasl.enabled.mechanisms", "SCRAM-SHA-512,PLAIN");
        c.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        c.put("listener.name.external.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"" + ADMIN + "\" password=\"" + ADMIN_PASSWORD + "\" user_" + ADMIN + "=\"" + ADMIN_PASSWORD + "\" user_"
            + PLAIN_PROXY_USER + "=\"" + PLAIN_PROXY_PASSWORD + "\";");
        c.put("listener.name.external.scram-sha-512.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        c.put("ssl.keystore.type", "PKCS12");
        c.put("ssl.keystore.location", broker.keyStore().toString());
        c.put("ssl.keystore.password", TestCertificates.PASSWORD);
        c.put("ssl.key.password", TestCertificates.PASSWORD);
        c.put("ssl.truststore.type", "PKCS12");
        c.put("ssl.truststore.location", pki.trustStore().toString());
        c.put("ssl.truststore.password", TestCertificates.PASSWORD);
        if (authorizer) {
            c.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
            c.put("super.users", "User:" + ADMIN + ";User:ANONYMOUS");
        }
        SecuredKafkaCluster secured = new SecuredKafkaCluster(EmbeddedKafkaCluster.start(name, 1, c), pki);
        try {
            secured.createProxyUser();
        } catch (Exception e) {
            secured.close();
            throw e;
        }
        return secured;
    }

    private void createProxyUser() throws Exception {
        try (Admin admin = Clients.admin(bootstrapServers(), clientConfig("PLAIN", ADMIN, ADMIN_PASSWORD))) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(PROXY_USER,
                new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), PROXY_PASSWORD))).all().get(30, TimeUnit.SECONDS);
        }
        // The credential travels through the metadata log; wait until the broker accepts it.
        Await.until("the broker accepts SCRAM-SHA-512 logins as " + PROXY_USER, Duration.ofSeconds(30), () -> {
            try (Admin admin = Clients.admin(bootstrapServers(), clientConfig("SCRAM-SHA-512", PROXY_USER, PROXY_PASSWORD))) {
                admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
                return true;
            } catch (Exception e) {
                return false;
            }
        });
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    public TestCertificates pki() {
        return pki;
    }

    /** An Admin client of this cluster as its admin user (a super user when it checks ACLs). */
    public Admin admin() {
        return Clients.admin(bootstrapServers(), clientConfig("PLAIN", ADMIN, ADMIN_PASSWORD));
    }

    /** Settings for a Kafka client talking to this cluster directly. */
    public Map<String, Object> clientConfig(String mechanism, String user, String password) {
        Map<String, Object> p = new HashMap<>();
        p.put("security.protocol", "SASL_SSL");
        p.put("ssl.truststore.type", "PEM");
        p.put("ssl.truststore.location", pki.caPem().toString());
        p.put("sasl.mechanism", mechanism);
        String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
            : "org.apache.kafka.common.security.scram.ScramLoginModule";
        p.put("sasl.jaas.config", module + " required username=\"" + user + "\" password=\"" + password + "\";");
        p.put("default.api.timeout.ms", 30_000);
        return p;
    }

    /**
     * The proxy's clusters.{@code cluster}.security settings for this cluster (as RunningProxy
     * overrides), the password written to a file in {@code dir} as an operator would mount it.
     */
    public Map<String, Object> proxySecurity(String cluster, String mechanism, String user, String password, Path dir) {
        Path file = dir.resolve(cluster + "-" + user + ".password");
        try {
            Files.writeString(file, password + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String base = "clusters." + cluster + ".security.";
        return Map.of(base + "protocol", "SASL_SSL", base + "tls.ca-file", pki.caPem().toString(), base + "sasl.mechanism", mechanism,
            base + "sasl.username", user, base + "sasl.password-file", file.toString());
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
